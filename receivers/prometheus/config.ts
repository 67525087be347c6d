// The prometheus receiver takes Prometheus's own scrape config under `config:`, as the
// Collector's prometheusreceiver does. What is not supported is reported, not ignored.
import type { ConfigErrors } from '../../src/config/errors.js';
import { keyPath } from '../../src/config/errors.js';
import { Fields, isPlainObject } from '../../src/config/fields.js';
import { parseRelabel, type RelabelRule } from './relabel.js';

export interface HttpClientConfig {
  basicAuth: { username: string; password: string | undefined; passwordFile: string | undefined } | undefined;
  /** Authorization header: type (Bearer) and credentials inline or from a file */
  authorization: { type: string; credentials: string | undefined; credentialsFile: string | undefined } | undefined;
  tls: { caFile: string | undefined; certFile: string | undefined; keyFile: string | undefined; serverName: string | undefined; insecureSkipVerify: boolean };
}

export interface StaticConfig {
  targets: string[];
  labels: Record<string, string>;
}

export interface FileSdConfig {
  files: string[];
  refreshMs: number;
}

export interface KubernetesSdConfig {
  role: 'pod';
  /** default: in-cluster (KUBERNETES_SERVICE_HOST/PORT, service account token and CA) */
  apiServer: string | undefined;
  namespaces: string[];
  fieldSelector: string | undefined;
  labelSelector: string | undefined;
  refreshMs: number;
  http: HttpClientConfig;
}

export interface ScrapeConfig {
  jobName: string;
  intervalMs: number;
  timeoutMs: number;
  metricsPath: string;
  scheme: 'http' | 'https';
  params: Record<string, string[]>;
  honorLabels: boolean;
  honorTimestamps: boolean;
  sampleLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  bodySizeLimit: number;
  http: HttpClientConfig;
  staticConfigs: StaticConfig[];
  fileSdConfigs: FileSdConfig[];
  kubernetesSdConfigs: KubernetesSdConfig[];
  relabelConfigs: RelabelRule[];
  metricRelabelConfigs: RelabelRule[];
}

export interface PrometheusConfig {
  scrapeConfigs: ScrapeConfig[];
}

export function createDefaultConfig(): PrometheusConfig {
  return { scrapeConfigs: [] };
}

const HTTP_KEYS = ['basic_auth', 'authorization', 'bearer_token', 'bearer_token_file', 'tls_config'];
const SCRAPE_KEYS = [
  'job_name', 'scrape_interval', 'scrape_timeout', 'metrics_path', 'scheme', 'params', 'honor_labels', 'honor_timestamps',
  'sample_limit', 'label_limit', 'label_name_length_limit', 'label_value_length_limit', 'body_size_limit',
  'static_configs', 'file_sd_configs', 'kubernetes_sd_configs', 'relabel_configs', 'metric_relabel_configs', ...HTTP_KEYS,
];

function list(f: Fields, key: string): { item: unknown; path: string }[] {
  const v = f.obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    f.fail(key, 'expected a list');
    return [];
  }
  return v.map((item, i) => ({ item, path: keyPath(f.at(key), i) }));
}

function parseHttp(f: Fields): HttpClientConfig {
  let basicAuth: HttpClientConfig['basicAuth'];
  if (f.has('basic_auth')) {
    const b = f.sub('basic_auth', ['username', 'password', 'password_file']);
    basicAuth = { username: b.string('username', '', { nonEmpty: true }), password: b.optionalString('password'), passwordFile: b.optionalString('password_file') };
  }
  let authorization: HttpClientConfig['authorization'];
  if (f.has('authorization')) {
    const a = f.sub('authorization', ['type', 'credentials', 'credentials_file']);
    authorization = { type: a.string('type', 'Bearer'), credentials: a.optionalString('credentials'), credentialsFile: a.optionalString('credentials_file') };
  } else if (f.has('bearer_token') || f.has('bearer_token_file')) {
    authorization = { type: 'Bearer', credentials: f.optionalString('bearer_token'), credentialsFile: f.optionalString('bearer_token_file') };
  }
  if (basicAuth && authorization) f.fail('basic_auth', 'set only one of basic_auth and authorization/bearer_token');
  const t = f.sub('tls_config', ['ca_file', 'cert_file', 'key_file', 'server_name', 'insecure_skip_verify', 'min_version']);
  const tls = { caFile: t.optionalString('ca_file'), certFile: t.optionalString('cert_file'), keyFile: t.optionalString('key_file'), serverName: t.optionalString('server_name'), insecureSkipVerify: t.bool('insecure_skip_verify', false) };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) t.fail('cert_file', 'cert_file and key_file go together');
  return { basicAuth, authorization, tls };
}

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): PrometheusConfig {
  const top = new Fields(raw, path, errors, ['config']);
  const c = top.sub('config', ['global', 'scrape_configs']);
  const g = c.sub('global', ['scrape_interval', 'scrape_timeout', 'external_labels', 'evaluation_interval']);
  const gInterval = g.duration('scrape_interval', 60_000, { min: 100 });
  const gTimeout = g.duration('scrape_timeout', Math.min(10_000, gInterval), { min: 10 });
  const scrapeConfigs: ScrapeConfig[] = [];
  const jobs = new Set<string>();
  const items = list(c, 'scrape_configs');
  if (items.length === 0) c.fail('scrape_configs', 'at least one scrape config is needed');
  for (const { item, path: p } of items) {
    const s = new Fields(item, p, errors, SCRAPE_KEYS);
    const jobName = s.string('job_name', '', { nonEmpty: true });
    if (jobs.has(jobName)) s.fail('job_name', `duplicate job_name "${jobName}"`);
    jobs.add(jobName);
    const intervalMs = s.duration('scrape_interval', gInterval, { min: 100 });
    const timeoutMs = s.duration('scrape_timeout', Math.min(gTimeout, intervalMs), { min: 10 });
    if (timeoutMs > intervalMs) s.fail('scrape_timeout', `must not be longer than scrape_interval (${intervalMs}ms)`);
    const params: Record<string, string[]> = {};
    if (s.has('params')) {
      const pv = s.obj['params'];
      if (!isPlainObject(pv)) s.fail('params', 'expected a mapping of name to a list of values');
      else for (const [k, v] of Object.entries(pv)) params[k] = Array.isArray(v) ? v.map(String) : [String(v)];
    }
    const metricsPath = s.string('metrics_path', '/metrics');
    if (!metricsPath.startsWith('/')) s.fail('metrics_path', 'must start with "/"');
    const staticConfigs = list(s, 'static_configs').map(({ item: it, path: sp }) => {
      const sc = new Fields(it, sp, errors, ['targets', 'labels']);
      const targets = sc.stringList('targets', []);
      targets.forEach((t, i) => {
        if (!/^[^/\s]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/.test(t)) errors.add(keyPath(sc.at('targets'), i), `not a host:port target, got "${t}"`);
      });
      return { targets, labels: sc.stringMap('labels') };
    });
    const fileSdConfigs = list(s, 'file_sd_configs').map(({ item: it, path: fp }) => {
      const fc = new Fields(it, fp, errors, ['files', 'refresh_interval']);
      return { files: fc.stringList('files', [], { nonEmpty: true }), refreshMs: fc.duration('refresh_interval', 300_000, { min: 10 }) };
    });
    const kubernetesSdConfigs = list(s, 'kubernetes_sd_configs').map(({ item: it, path: kp }) => {
      const kc = new Fields(it, kp, errors, ['role', 'api_server', 'namespaces', 'selectors', 'refresh_interval', ...HTTP_KEYS]);
      kc.enum('role', ['pod'] as const, 'pod');
      if (!kc.has('role')) kc.fail('role', 'required (pod)');
      const ns = kc.has('namespaces') ? kc.sub('namespaces', ['names', 'own_namespace']).stringList('names', []) : [];
      let fieldSelector: string | undefined;
      let labelSelector: string | undefined;
      for (const { item: sel, path: selp } of list(kc, 'selectors')) {
        const sf = new Fields(sel, selp, errors, ['role', 'field', 'label']);
        sf.enum('role', ['pod'] as const, 'pod');
        fieldSelector = sf.optionalString('field') ?? fieldSelector;
        labelSelector = sf.optionalString('label') ?? labelSelector;
      }
      const apiServer = kc.optionalString('api_server');
      if (apiServer !== undefined && !/^https?:\/\/[^/]+/.test(apiServer)) kc.fail('api_server', `not an http(s) URL, got "${apiServer}"`);
      return { role: 'pod' as const, apiServer, namespaces: ns, fieldSelector, labelSelector, refreshMs: kc.duration('refresh_interval', 30_000, { min: 10 }), http: parseHttp(kc) };
    });
    scrapeConfigs.push({
      jobName,
      intervalMs,
      timeoutMs,
      metricsPath,
      scheme: s.enum('scheme', ['http', 'https'] as const, 'http'),
      params,
      honorLabels: s.bool('honor_labels', false),
      honorTimestamps: s.bool('honor_timestamps', true),
      sampleLimit: s.number('sample_limit', 0, { min: 0, integer: true }),
      labelLimit: s.number('label_limit', 0, { min: 0, integer: true }),
      labelNameLengthLimit: s.number('label_name_length_limit', 0, { min: 0, integer: true }),
      labelValueLengthLimit: s.number('label_value_length_limit', 0, { min: 0, integer: true }),
      bodySizeLimit: s.has('body_size_limit') ? s.bytes('body_size_limit', 0) : 64 * 1024 * 1024,
      http: parseHttp(s),
      staticConfigs,
      fileSdConfigs,
      kubernetesSdConfigs,
      relabelConfigs: parseRelabel(s, 'relabel_configs'),
      metricRelabelConfigs: parseRelabel(s, 'metric_relabel_configs'),
    });
  }
  return { scrapeConfigs };
}
