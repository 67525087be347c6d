// The prometheus receiver takes Prometheus's own scrape config under `config:`, as the
// Collector's prometheusreceiver does. What is not supported is reported, not ignored.
import type { ConfigErrors } from '../../src/config/errors.js';
import { keyPath } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
import { Fields, isPlainObject } from '../../src/config/fields.js';
import { DEFAULT_SCRAPE_MEMORY_BUDGET } from './memory-budget.js';
import { parseRelabel, RELABEL_FIELDS, type RelabelRule } from './relabel.js';

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
  /** bytes of scrape bodies held at once across every target (0: no limit) */
  scrapeMemoryBudget: number;
}

export function createDefaultConfig(): PrometheusConfig {
  return { scrapeConfigs: [], scrapeMemoryBudget: DEFAULT_SCRAPE_MEMORY_BUDGET };
}

const optional = (doc: string) => ({ type: 'string', doc }) as const;

const HTTP_CLIENT_FIELDS = fieldTable({
  basic_auth: {
    type: 'section',
    doc: 'HTTP basic authentication; not with authorization or bearer_token.',
    fields: {
      username: { type: 'string', default: '', nonEmpty: true, doc: 'User name.' },
      password: optional('Password.'),
      password_file: optional('File holding the password (read at each scrape).'),
    },
  },
  authorization: {
    type: 'section',
    doc: 'Authorization header.',
    fields: {
      type: { type: 'string', default: 'Bearer', doc: 'Authorization scheme.' },
      credentials: optional('Credentials.'),
      credentials_file: optional('File holding the credentials (read at each scrape).'),
    },
  },
  bearer_token: optional('Shorthand for authorization with type Bearer.'),
  bearer_token_file: optional('Shorthand for authorization with type Bearer and credentials_file.'),
  tls_config: {
    type: 'section',
    doc: 'TLS to the targets (scheme https).',
    fields: {
      ca_file: optional('PEM CA bundle to verify targets with; unset: the system CAs.'),
      cert_file: optional('PEM client certificate; goes with key_file.'),
      key_file: optional('PEM private key of cert_file.'),
      server_name: optional('Server name checked in the certificate instead of the host.'),
      insecure_skip_verify: { type: 'bool', default: false, doc: 'Do not verify target certificates (tests only).' },
      min_version: optional('Accepted for Prometheus compatibility; TLS 1.2 is always the minimum.'),
    },
  },
});

const STATIC_FIELDS = fieldTable({
  targets: { type: 'strings', doc: 'Targets, host:port each.' },
  labels: { type: 'map', doc: 'Labels added to every series of these targets.' },
});

const FILE_SD_FIELDS = fieldTable({
  files: { type: 'strings', nonEmpty: true, doc: 'JSON or YAML target files, as Prometheus reads them (globs in the last segment).' },
  refresh_interval: { type: 'duration', default: 300_000, min: 10, doc: 'How often the files are re-read (they are also watched).' },
});

const K8S_SD_FIELDS = fieldTable({
  role: { type: 'enum', values: ['pod'], required: true, doc: 'What is discovered: pods only.' },
  api_server: { type: 'string', check: (s: string) => (/^https?:\/\/[^/]+/.test(s) ? undefined : `not an http(s) URL, got "${s}"`), defaultText: 'in-cluster', doc: 'Kubernetes API URL; unset: in-cluster (KUBERNETES_SERVICE_HOST/PORT, service account token and CA).' },
  namespaces: {
    type: 'section',
    doc: 'Namespaces to watch; unset: all.',
    fields: {
      names: { type: 'strings', doc: 'Namespace names.' },
      own_namespace: { type: 'bool', default: false, doc: 'Accepted for Prometheus compatibility; list the namespace in names instead.' },
    },
  },
  selectors: {
    type: 'sections',
    doc: 'Field and label selectors sent to the API server.',
    fields: {
      role: { type: 'enum', values: ['pod'], default: 'pod', doc: 'Role the selector applies to.' },
      field: optional('Field selector, e.g. spec.nodeName=$(NODE_NAME).'),
      label: optional('Label selector, e.g. app=trainer.'),
    },
  },
  refresh_interval: { type: 'duration', default: 30_000, min: 10, doc: 'Full re-list period (changes also arrive by watch).' },
  ...HTTP_CLIENT_FIELDS,
});

const SCRAPE_FIELDS = fieldTable({
  job_name: { type: 'string', default: '', nonEmpty: true, doc: 'Job label of the targets; unique.' },
  scrape_interval: { type: 'duration', min: 100, defaultText: 'global.scrape_interval', doc: 'Scrape period.' },
  scrape_timeout: { type: 'duration', min: 10, defaultText: 'global.scrape_timeout, at most scrape_interval', doc: 'Deadline of one scrape; not above scrape_interval.' },
  metrics_path: { type: 'string', default: '/metrics', check: (s: string) => (s.startsWith('/') ? undefined : 'must start with "/"'), doc: 'HTTP path scraped.' },
  scheme: { type: 'enum', values: ['http', 'https'], default: 'http', doc: 'http or https.' },
  params: { type: 'custom', typeText: 'map of string lists', doc: 'URL query parameters: name → list of values.' },
  honor_labels: { type: 'bool', default: false, doc: 'On a clash, keep the scraped label rather than the target\'s.' },
  honor_timestamps: { type: 'bool', default: true, doc: 'Keep timestamps the target exposes.' },
  sample_limit: { type: 'integer', default: 0, min: 0, doc: 'A scrape with more samples fails; 0: no limit.' },
  label_limit: { type: 'integer', default: 0, min: 0, doc: 'A series with more labels fails the scrape; 0: no limit.' },
  label_name_length_limit: { type: 'integer', default: 0, min: 0, doc: 'Longest label name; 0: no limit.' },
  label_value_length_limit: { type: 'integer', default: 0, min: 0, doc: 'Longest label value; 0: no limit.' },
  body_size_limit: { type: 'bytes', defaultText: '64MiB', doc: 'Largest scrape body; 0: no limit.' },
  static_configs: { type: 'sections', fields: STATIC_FIELDS, doc: 'Fixed targets.' },
  file_sd_configs: { type: 'sections', fields: FILE_SD_FIELDS, doc: 'Targets from files.' },
  kubernetes_sd_configs: { type: 'sections', fields: K8S_SD_FIELDS, doc: 'Targets discovered from the Kubernetes API.' },
  relabel_configs: { type: 'sections', fields: RELABEL_FIELDS, doc: 'Relabelling of targets before the scrape.' },
  metric_relabel_configs: { type: 'sections', fields: RELABEL_FIELDS, doc: 'Relabelling of each scraped series.' },
  ...HTTP_CLIENT_FIELDS,
});

export const PROMETHEUS_RECEIVER_FIELDS = fieldTable({
  scrape_memory_budget: { type: 'bytes', default: DEFAULT_SCRAPE_MEMORY_BUDGET, doc: 'Bytes of scrape bodies held at once across every target of this receiver; a scrape that would pass it fails (up 0) and is counted. 0: no limit.' },
  config: {
    type: 'section',
    doc: 'A Prometheus scrape configuration, as in prometheus.yml.',
    fields: {
      global: {
        type: 'section',
        doc: 'Defaults of every scrape config.',
        fields: {
          scrape_interval: { type: 'duration', default: 60_000, min: 100, doc: 'Default scrape period.' },
          scrape_timeout: { type: 'duration', min: 10, defaultText: '10s, at most scrape_interval', doc: 'Default scrape deadline.' },
          external_labels: { type: 'map', doc: 'Accepted for Prometheus compatibility; not added to series.' },
          evaluation_interval: { type: 'duration', doc: 'Accepted for Prometheus compatibility (no rules are evaluated).' },
        },
      },
      scrape_configs: { type: 'sections', fields: SCRAPE_FIELDS, nonEmpty: true, doc: 'Scrape jobs; at least one.' },
    },
  },
});

function parseHttp(f: Fields<typeof HTTP_CLIENT_FIELDS>): HttpClientConfig {
  let basicAuth: HttpClientConfig['basicAuth'];
  if (f.has('basic_auth')) {
    const b = f.sub('basic_auth');
    basicAuth = { username: b.get('username'), password: b.get('password'), passwordFile: b.get('password_file') };
  }
  let authorization: HttpClientConfig['authorization'];
  if (f.has('authorization')) {
    const a = f.sub('authorization');
    authorization = { type: a.get('type'), credentials: a.get('credentials'), credentialsFile: a.get('credentials_file') };
  } else if (f.has('bearer_token') || f.has('bearer_token_file')) {
    authorization = { type: 'Bearer', credentials: f.get('bearer_token'), credentialsFile: f.get('bearer_token_file') };
  }
  if (basicAuth && authorization) f.fail('basic_auth', 'set only one of basic_auth and authorization/bearer_token');
  const t = f.sub('tls_config');
  t.get('min_version');
  const tls = { caFile: t.get('ca_file'), certFile: t.get('cert_file'), keyFile: t.get('key_file'), serverName: t.get('server_name'), insecureSkipVerify: t.get('insecure_skip_verify') };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) t.fail('cert_file', 'cert_file and key_file go together');
  return { basicAuth, authorization, tls };
}

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): PrometheusConfig {
  const top = new Fields(raw, path, errors, PROMETHEUS_RECEIVER_FIELDS);
  const c = top.sub('config');
  const g = c.sub('global');
  const gInterval = g.get('scrape_interval');
  const gTimeout = g.get('scrape_timeout') ?? Math.min(10_000, gInterval);
  g.get('external_labels');
  g.get('evaluation_interval');
  const scrapeConfigs: ScrapeConfig[] = [];
  const jobs = new Set<string>();
  const items = c.items('scrape_configs');
  if (items.length === 0 && c.has('scrape_configs')) c.fail('scrape_configs', 'at least one scrape config is needed');
  for (const s of items) {
    const jobName = s.get('job_name');
    if (jobs.has(jobName)) s.fail('job_name', `duplicate job_name "${jobName}"`);
    jobs.add(jobName);
    const intervalMs = s.get('scrape_interval') ?? gInterval;
    const timeoutMs = s.get('scrape_timeout') ?? Math.min(gTimeout, intervalMs);
    if (timeoutMs > intervalMs) s.fail('scrape_timeout', `must not be longer than scrape_interval (${intervalMs}ms)`);
    const params: Record<string, string[]> = {};
    const pv = s.get('params');
    if (pv !== undefined && pv !== null) {
      if (!isPlainObject(pv)) s.fail('params', 'expected a mapping of name to a list of values');
      else for (const [k, v] of Object.entries(pv)) params[k] = Array.isArray(v) ? v.map(String) : [String(v)];
    }
    const staticConfigs = s.items('static_configs').map((sc) => {
      const targets = sc.get('targets');
      targets.forEach((t, i) => {
        if (!/^[^/\s]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/.test(t)) errors.add(keyPath(sc.at('targets'), i), `not a host:port target, got "${t}"`);
      });
      return { targets, labels: sc.get('labels') };
    });
    const fileSdConfigs = s.items('file_sd_configs').map((fc) => ({ files: fc.get('files'), refreshMs: fc.get('refresh_interval') }));
    const kubernetesSdConfigs = s.items('kubernetes_sd_configs').map((kc) => {
      kc.get('role');
      const nsf = kc.sub('namespaces');
      nsf.get('own_namespace');
      const ns = kc.has('namespaces') ? nsf.get('names') : [];
      let fieldSelector: string | undefined;
      let labelSelector: string | undefined;
      for (const sf of kc.items('selectors')) {
        sf.get('role');
        fieldSelector = sf.get('field') ?? fieldSelector;
        labelSelector = sf.get('label') ?? labelSelector;
      }
      return { role: 'pod' as const, apiServer: kc.get('api_server'), namespaces: ns, fieldSelector, labelSelector, refreshMs: kc.get('refresh_interval'), http: parseHttp(kc) };
    });
    scrapeConfigs.push({
      jobName,
      intervalMs,
      timeoutMs,
      metricsPath: s.get('metrics_path'),
      scheme: s.get('scheme'),
      params,
      honorLabels: s.get('honor_labels'),
      honorTimestamps: s.get('honor_timestamps'),
      sampleLimit: s.get('sample_limit'),
      labelLimit: s.get('label_limit'),
      labelNameLengthLimit: s.get('label_name_length_limit'),
      labelValueLengthLimit: s.get('label_value_length_limit'),
      bodySizeLimit: s.get('body_size_limit') ?? 64 * 1024 * 1024,
      http: parseHttp(s),
      staticConfigs,
      fileSdConfigs,
      kubernetesSdConfigs,
      relabelConfigs: parseRelabel(s, 'relabel_configs'),
      metricRelabelConfigs: parseRelabel(s, 'metric_relabel_configs'),
    });
  }
  return { scrapeConfigs, scrapeMemoryBudget: top.get('scrape_memory_budget') };
}
