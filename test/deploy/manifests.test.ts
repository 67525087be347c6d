// Every Kubernetes manifest in deploy/kubernetes validates against the Kubernetes object
// schemas of kubernetes-models, strictly: its validators ignore unknown fields, so each object
// is validated through a Proxy that records which fields the schema looked at, and any field
// it never looked at (a typo, a field of another kind) fails — as the API server would.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { runCli } from '../harness/cli-process.js';

const DIR = 'deploy/kubernetes';
type Obj = Record<string, unknown>;
type ModelCtor = { prototype: { validate(): void } };

const MODELS: Record<string, ModelCtor> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/**
 * Validates `obj` with the model's schema validator and returns the paths of fields the schema
 * never read. Maps (labels, annotations, ConfigMap data) are enumerated by the validator, which
 * marks every key under them as known.
 */
export function strictValidate(model: ModelCtor, obj: Obj): { errors: string[]; unknown: string[] } {
  const read = new Set<string>();
  const enumerated = new Set<string>();
  const wrap = (value: unknown, path: string): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    return new Proxy(value as object, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof prop !== 'string') return v;
        read.add(`${path}/${prop}`);
        return wrap(v, `${path}/${prop}`);
      },
      ownKeys(target) {
        enumerated.add(path);
        return Reflect.ownKeys(target);
      },
      has(target, prop) {
        if (typeof prop === 'string') read.add(`${path}/${prop}`);
        return Reflect.has(target, prop);
      },
    });
  };
  const errors: string[] = [];
  try {
    model.prototype.validate.call(wrap(obj, ''));
  } catch (e) {
    errors.push((e as Error).message);
  }
  const unknown: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value !== 'object' || value === null) return;
    const isArray = Array.isArray(value);
    for (const [k, v] of Object.entries(value)) {
      const p = `${path}/${k}`;
      if (!isArray && !enumerated.has(path) && !read.has(p)) unknown.push(p);
      walk(v, p);
    }
  };
  walk(obj, '');
  return { errors, unknown };
}

function loadManifests(): { file: string; obj: Obj }[] {
  const out: { file: string; obj: Obj }[] = [];
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
      assert.deepEqual(doc.errors, [], `${file}: YAML errors`);
      const obj = doc.toJS() as Obj | null;
      if (obj) out.push({ file, obj });
    }
  }
  return out;
}

const manifests = loadManifests();
const byKind = (kind: string, name?: string): Obj => {
  const m = manifests.find((x) => x.obj['kind'] === kind && (name === undefined || (x.obj['metadata'] as Obj)['name'] === name));
  assert.ok(m, `no ${kind} ${name ?? ''}`);
  return m.obj;
};
const at = (o: unknown, ...keys: (string | number)[]): any => keys.reduce<any>((v, k) => (v === undefined || v === null ? undefined : v[k]), o); // eslint-disable-line @typescript-eslint/no-explicit-any

test('the strict check itself catches unknown fields the plain validate() lets through', () => {
  const bad = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', labels: { any: 'thing' } }, spec: { ports: [{ port: 80, targetPrt: 8080 }], internalTrafficPolicy: 'Local', clusterIp: 'None' } };
  const r = strictValidate(Service, bad);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.unknown.sort(), ['/spec/clusterIp', '/spec/ports/0/targetPrt']);
  const wrongType = strictValidate(Service, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 'eighty' }] } });
  assert.equal(wrongType.errors.length, 1);
});

test('every manifest is a known kind, valid against its schema, with no unknown field', () => {
  assert.ok(manifests.length >= 10, `only ${manifests.length} objects`);
  for (const { file, obj } of manifests) {
    const key = `${obj['apiVersion']}/${obj['kind']}`;
    const model = MODELS[key];
    assert.ok(model, `${file}: no schema for ${key}`);
    const { errors, unknown } = strictValidate(model, obj);
    assert.deepEqual(errors, [], `${file} ${key}: schema errors`);
    assert.deepEqual(unknown, [], `${file} ${key}: fields Kubernetes would reject`);
    const name = at(obj, 'metadata', 'name') as string;
    assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${file}: metadata.name`);
    assert.ok(name.length <= 63);
  }
});

test('kustomization lists every manifest file', () => {
  const k = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] };
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  assert.deepEqual([...k.resources].sort(), files);
});

for (const [kind, name, component] of [['DaemonSet', 'ai-trace-collector-agent', 'agent'], ['Deployment', 'ai-trace-collector-gateway', 'gateway']] as const) {
  test(`${kind} ${component}: selectors, probes, ports, security, resources, config`, () => {
    const w = byKind(kind, name);
    const tpl = at(w, 'spec', 'template');
    const labels = at(tpl, 'metadata', 'labels') as Obj;
    for (const [k, v] of Object.entries(at(w, 'spec', 'selector', 'matchLabels') as Obj)) assert.equal(labels[k], v, `selector ${k} does not match the pod labels`);
    const pod = at(tpl, 'spec');
    assert.equal(at(pod, 'securityContext', 'runAsNonRoot'), true);
    assert.notEqual(at(pod, 'securityContext', 'runAsUser'), 0);
    const c = at(pod, 'containers', 0);
    assert.deepEqual(at(c, 'securityContext', 'capabilities', 'drop'), ['ALL']);
    assert.equal(at(c, 'securityContext', 'allowPrivilegeEscalation'), false);
    assert.equal(at(c, 'securityContext', 'readOnlyRootFilesystem'), true);
    for (const r of ['requests', 'limits']) for (const res of ['cpu', 'memory']) assert.ok(at(c, 'resources', r, res), `resources.${r}.${res}`);
    const ports = new Map((c.ports as Obj[]).map((p) => [p['name'], p['containerPort']]));
    assert.equal(ports.get('telemetry'), 8888);
    assert.equal(at(c, 'livenessProbe', 'httpGet', 'path'), '/healthz');
    assert.equal(at(c, 'readinessProbe', 'httpGet', 'path'), '/readyz');
    assert.ok(ports.has(at(c, 'livenessProbe', 'httpGet', 'port')));
    // the ConfigMap mounted is the one in this directory, and its config is deploy/config/<component>.yaml
    const configVolume = (pod.volumes as Obj[]).find((v) => v['name'] === 'config')!;
    const cm = byKind('ConfigMap', at(configVolume, 'configMap', 'name'));
    assert.equal(at(cm, 'data', 'config.yaml'), readFileSync(`deploy/config/${component}.yaml`, 'utf8'), `ConfigMap differs from deploy/config/${component}.yaml (npm run configmaps)`);
    assert.deepEqual(c.args, ['run', '--config', '/etc/ai-trace-collector/config.yaml']);
    assert.ok((c.volumeMounts as Obj[]).some((m) => m['name'] === 'config' && m['mountPath'] === '/etc/ai-trace-collector'));
    // every volume mount names a volume
    const volumes = new Set((pod.volumes as Obj[]).map((v) => v['name']));
    for (const m of [...(c.volumeMounts as Obj[]), ...((at(pod, 'initContainers', 0, 'volumeMounts') ?? []) as Obj[])]) assert.ok(volumes.has(m['name']), `mount ${m['name']} has no volume`);
    // the service account exists
    const sa = byKind('ServiceAccount', at(pod, 'serviceAccountName'));
    assert.equal(at(sa, 'metadata', 'namespace'), at(w, 'metadata', 'namespace'));
  });
}

test('agent DaemonSet: pod logs read-only, checkpoints on the host, NODE_NAME, GPU nodes', () => {
  const pod = at(byKind('DaemonSet'), 'spec', 'template', 'spec');
  const c = at(pod, 'containers', 0);
  const vol = (name: string): Obj => (pod.volumes as Obj[]).find((v) => v['name'] === name)!;
  const mount = (name: string): Obj => (c.volumeMounts as Obj[]).find((m) => m['name'] === name)!;
  assert.equal(at(vol('pod-logs'), 'hostPath', 'path'), '/var/log/pods');
  assert.equal(mount('pod-logs')['readOnly'], true);
  assert.equal(mount('pod-logs')['mountPath'], '/var/log/pods');
  assert.equal(at(vol('state'), 'hostPath', 'type'), 'DirectoryOrCreate');
  assert.equal(mount('state')['mountPath'], '/var/lib/ai-trace-collector');
  const env = new Map((c.env as Obj[]).map((e) => [e['name'], e]));
  assert.equal(at(env.get('NODE_NAME'), 'valueFrom', 'fieldRef', 'fieldPath'), 'spec.nodeName');
  assert.equal(pod.runtimeClassName, 'nvidia');
  assert.ok((pod.tolerations as Obj[]).some((t) => t['key'] === 'nvidia.com/gpu' && t['operator'] === 'Exists'));
  // pod logs are root:root 0640 on the node: the non-root agent reads them as a member of group 0
  assert.ok((at(pod, 'securityContext', 'supplementalGroups') as number[]).includes(0));
  // the shipped agent config reads what is mounted: pod logs at the default path, state where ATC_STATE_DIR says
  const agentYaml = readFileSync('deploy/config/agent.yaml', 'utf8');
  assert.match(agentYaml, /include: \["\$\{env:ATC_POD_LOGS_DIR:-\/var\/log\/pods\}\/\*\/\*\/\*\.log"\]/);
  assert.equal(env.has('ATC_POD_LOGS_DIR'), false, 'the default /var/log/pods is the mount');
  assert.equal(at(env.get('ATC_STATE_DIR'), 'value'), mount('state')['mountPath']);
});

test('services select their pods; the agent service keeps traffic on the node', () => {
  const agentSvc = byKind('Service', 'ai-trace-collector-agent');
  assert.equal(at(agentSvc, 'spec', 'internalTrafficPolicy'), 'Local');
  for (const [svcName, kind] of [['ai-trace-collector-agent', 'DaemonSet'], ['ai-trace-collector-gateway', 'Deployment']] as const) {
    const svc = byKind('Service', svcName);
    const w = byKind(kind);
    const labels = at(w, 'spec', 'template', 'metadata', 'labels') as Obj;
    for (const [k, v] of Object.entries(at(svc, 'spec', 'selector') as Obj)) assert.equal(labels[k], v);
    const portNames = new Set((at(w, 'spec', 'template', 'spec', 'containers', 0, 'ports') as Obj[]).map((p) => p['name']));
    for (const p of at(svc, 'spec', 'ports') as Obj[]) assert.ok(portNames.has(p['targetPort']), `${svcName}: targetPort ${p['targetPort']} is not a container port`);
  }
});

test('RBAC: the agent may get/list/watch pods, bound to its service account, and nothing more', () => {
  const role = byKind('ClusterRole', 'ai-trace-collector-agent');
  const pods = (role['rules'] as Obj[]).find((r) => (r['resources'] as string[]).includes('pods'))!;
  assert.deepEqual([...(pods['verbs'] as string[])].sort(), ['get', 'list', 'watch']);
  for (const r of role['rules'] as Obj[]) for (const v of r['verbs'] as string[]) assert.ok(['get', 'list', 'watch'].includes(v), `write verb ${v}`);
  const binding = byKind('ClusterRoleBinding', 'ai-trace-collector-agent');
  assert.equal(at(binding, 'roleRef', 'name'), 'ai-trace-collector-agent');
  assert.equal(at(binding, 'subjects', 0, 'name'), 'ai-trace-collector-agent');
  assert.equal(at(binding, 'subjects', 0, 'namespace'), 'observability');
});

test('the ConfigMaps hold configs the collector accepts', () => {
  for (const c of ['agent', 'gateway', 'standalone']) {
    // The agent's Kubernetes selector needs NODE_NAME, as the DaemonSet sets it.
    const r = runCli(['validate', '--config', `deploy/config/${c}.yaml`], { env: { NODE_NAME: 'node-1' } });
    assert.equal(r.status, 0, `${c}.yaml: ${r.stdout}${r.stderr}`);
  }
});
