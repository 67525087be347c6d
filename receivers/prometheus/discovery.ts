// Target discovery: static_configs, file_sd_configs (JSON or YAML target groups, re-read
// every refresh_interval) and kubernetes_sd_configs role pod (the pod list from the API
// server, polled; `selectors` narrow it, e.g. field spec.nodeName=${env:NODE_NAME}).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { FileSdConfig, KubernetesSdConfig, StaticConfig } from './config.js';
import { expandGlob } from '../../src/fs/glob.js';
import { httpGet } from './http-client.js';

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
  source: string;
}

export function staticGroups(cs: StaticConfig[]): TargetGroup[] {
  return cs.map((c, i) => ({ targets: c.targets, labels: c.labels, source: `static/${i}` }));
}

export function readFileSd(c: FileSdConfig): TargetGroup[] {
  const out: TargetGroup[] = [];
  const files = new Set<string>();
  for (const p of c.files) {
    if (/[*?[]/.test(p)) expandGlob(p, files);
    else files.add(p);
  }
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const data = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as unknown;
    if (!Array.isArray(data)) throw new Error(`${file}: expected a list of target groups`);
    data.forEach((g: { targets?: unknown; labels?: unknown }, i) => {
      if (!g || !Array.isArray(g.targets)) throw new Error(`${file}[${i}]: expected "targets": [host:port, …]`);
      const labels: Record<string, string> = { __meta_filepath: file };
      if (g.labels && typeof g.labels === 'object') for (const [k, v] of Object.entries(g.labels)) labels[k] = String(v);
      out.push({ targets: g.targets.map(String), labels, source: `file:${file}:${i}` });
    });
  }
  return out;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

const sanitize = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, '_');

interface Pod {
  metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
  spec: { nodeName?: string; containers: { name: string; image?: string; ports?: { name?: string; containerPort: number; protocol?: string }[] }[]; initContainers?: { name: string; ports?: { name?: string; containerPort: number; protocol?: string }[] }[] };
  status: { phase?: string; podIP?: string; hostIP?: string; conditions?: { type: string; status: string }[] };
}

/** One target per declared container port (or per container without ports), with Prometheus's meta labels. */
export function podGroups(pods: Pod[]): TargetGroup[] {
  const out: TargetGroup[] = [];
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (!ip) continue;
    const md = pod.metadata;
    const base: Record<string, string> = {
      __meta_kubernetes_namespace: md.namespace,
      __meta_kubernetes_pod_name: md.name,
      __meta_kubernetes_pod_ip: ip,
      __meta_kubernetes_pod_uid: md.uid,
      __meta_kubernetes_pod_node_name: pod.spec.nodeName ?? '',
      __meta_kubernetes_pod_host_ip: pod.status.hostIP ?? '',
      __meta_kubernetes_pod_phase: pod.status.phase ?? '',
      __meta_kubernetes_pod_ready: String(pod.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True'),
    };
    for (const [k, v] of Object.entries(md.labels ?? {})) {
      base[`__meta_kubernetes_pod_label_${sanitize(k)}`] = v;
      base[`__meta_kubernetes_pod_labelpresent_${sanitize(k)}`] = 'true';
    }
    for (const [k, v] of Object.entries(md.annotations ?? {})) {
      base[`__meta_kubernetes_pod_annotation_${sanitize(k)}`] = v;
      base[`__meta_kubernetes_pod_annotationpresent_${sanitize(k)}`] = 'true';
    }
    const owner = md.ownerReferences?.find((o) => o.controller);
    if (owner) {
      base['__meta_kubernetes_pod_controller_kind'] = owner.kind;
      base['__meta_kubernetes_pod_controller_name'] = owner.name;
    }
    const containers = [...pod.spec.containers.map((c) => ({ c, init: false })), ...(pod.spec.initContainers ?? []).map((c) => ({ c, init: true }))];
    for (const { c, init } of containers) {
      const cl = { ...base, __meta_kubernetes_pod_container_name: c.name, __meta_kubernetes_pod_container_init: String(init) };
      if (!c.ports || c.ports.length === 0) {
        if (!init) out.push({ targets: [ip.includes(':') ? `[${ip}]` : ip], labels: cl, source: `pod/${md.namespace}/${md.name}/${c.name}` });
        continue;
      }
      for (const p of c.ports) {
        out.push({
          targets: [`${ip.includes(':') ? `[${ip}]` : ip}:${p.containerPort}`],
          labels: { ...cl, __meta_kubernetes_pod_container_port_name: p.name ?? '', __meta_kubernetes_pod_container_port_number: String(p.containerPort), __meta_kubernetes_pod_container_port_protocol: p.protocol ?? 'TCP' },
          source: `pod/${md.namespace}/${md.name}/${c.name}/${p.containerPort}`,
        });
      }
    }
  }
  return out;
}

export async function listPods(c: KubernetesSdConfig, timeoutMs = 10_000): Promise<TargetGroup[]> {
  let api = c.apiServer;
  const http = { ...c.http, tls: { ...c.http.tls } };
  if (!api) {
    const host = process.env['KUBERNETES_SERVICE_HOST'];
    const port = process.env['KUBERNETES_SERVICE_PORT'] ?? '443';
    if (!host) throw new Error('kubernetes_sd_configs: no api_server and not running in a cluster (KUBERNETES_SERVICE_HOST unset)');
    api = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    http.tls.caFile ??= `${SA_DIR}/ca.crt`;
    if (!http.authorization && !http.basicAuth) http.authorization = { type: 'Bearer', credentials: undefined, credentialsFile: `${SA_DIR}/token` };
  }
  const q = new URLSearchParams();
  if (c.fieldSelector) q.set('fieldSelector', c.fieldSelector);
  if (c.labelSelector) q.set('labelSelector', c.labelSelector);
  const qs = q.toString() ? `?${q}` : '';
  const paths = c.namespaces.length > 0 ? c.namespaces.map((ns) => `/api/v1/namespaces/${encodeURIComponent(ns)}/pods${qs}`) : [`/api/v1/pods${qs}`];
  const pods: Pod[] = [];
  for (const p of paths) {
    const r = await httpGet(api.replace(/\/$/, '') + p, { headers: { accept: 'application/json' }, timeoutMs, maxBytes: 256 * 1024 * 1024, http });
    if (r.status !== 200) throw new Error(`GET ${p}: HTTP ${r.status} ${r.body.toString('utf8').slice(0, 200)}`);
    const list = JSON.parse(r.body.toString('utf8')) as { kind?: string; items?: Pod[] };
    if (!Array.isArray(list.items)) throw new Error(`GET ${p}: not a PodList`);
    pods.push(...list.items);
  }
  return podGroups(pods);
}
