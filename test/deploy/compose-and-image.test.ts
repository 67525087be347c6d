// docker-compose.yml and the Dockerfile, checked without a Docker engine: `docker-compose
// config` (Debian's docker-compose v1, which needs no engine) parses the stack; every file,
// service, port, volume and config it references exists and agrees with the project; the
// image's entrypoint command runs as a plain process with the image's default config.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { runCli, spawnCollector } from '../harness/cli-process.js';
import { readStored, storedLogRecords, tempDir } from '../harness/collector.js';
import { logRequest } from '../harness/load.js';

const execFileP = promisify(execFile);
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as Obj;
const services = compose['services'] as Record<string, Obj>;

let composeChecked: Promise<string> | undefined;
/** Debian's docker-compose (v1.29, runs `config` without an engine), installed when root. */
function ensureDockerCompose(): Promise<string> {
  composeChecked ??= (async () => {
    const works = async (): Promise<boolean> => {
      try {
        await execFileP('docker-compose', ['version'], { timeout: 30_000 });
        return true;
      } catch {
        return false;
      }
    };
    if (await works()) return 'docker-compose';
    if (process.getuid?.() !== 0) throw new Error('docker-compose is not installed and this is not root: run `sudo apt-get install -y docker-compose`');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
    const install = (): Promise<unknown> => execFileP('apt-get', [...lockWait, 'install', '-y', '--no-install-recommends', 'docker-compose'], { env, timeout: 6 * 60_000 });
    try {
      await install();
    } catch {
      await execFileP('apt-get', [...lockWait, 'update'], { env, timeout: 6 * 60_000 });
      await install();
    }
    if (!(await works())) throw new Error('apt-get installed docker-compose but it does not run');
    return 'docker-compose';
  })();
  return composeChecked;
}

test('docker-compose config accepts the stack', { timeout: 600_000 }, async () => {
  const bin = await ensureDockerCompose();
  const { stdout } = await execFileP(bin, ['-f', 'docker-compose.yml', 'config', '--services'], { timeout: 60_000 });
  assert.deepEqual(stdout.trim().split('\n').sort(), Object.keys(services).sort());
});

test('the stack has every part the demo needs', () => {
  for (const s of ['kafka', 'minio', 'minio-init', 'agent', 'gateway', 'prometheus', 'grafana', 'tempo', 'loadgen']) assert.ok(services[s], `no ${s} service`);
});

test('every file and directory mounted exists; named volumes are declared; depends_on names services', () => {
  const declared = new Set(Object.keys((compose['volumes'] ?? {}) as Obj));
  for (const [name, s] of Object.entries(services)) {
    for (const v of (s['volumes'] ?? []) as string[]) {
      const src = v.split(':')[0]!;
      if (src.startsWith('./') || src.startsWith('/')) assert.ok(existsSync(src), `${name}: ${src} does not exist`);
      else assert.ok(declared.has(src), `${name}: volume ${src} is not declared`);
    }
    const deps = Array.isArray(s['depends_on']) ? (s['depends_on'] as string[]) : Object.keys((s['depends_on'] ?? {}) as Obj);
    for (const d of deps) assert.ok(services[d], `${name} depends on unknown ${d}`);
    if (s['build']) {
      const ctx = (s['build'] as Obj)['context'] as string;
      assert.ok(existsSync(join(ctx, (s['build'] as Obj)['dockerfile'] ?? 'Dockerfile')), `${name}: no Dockerfile`);
    }
  }
  // grafana/provisioning and dashboards are directories
  for (const d of ['grafana/provisioning', 'grafana/dashboards']) assert.ok(statSync(d).isDirectory());
});

test('the collector configs the stack mounts validate, and ports, brokers, bucket and backends agree', () => {
  const envOf = (s: string): Obj => (services[s]!['environment'] ?? {}) as Obj;
  const mounted = (s: string): string => {
    const v = (services[s]!['volumes'] as string[]).find((x) => x.startsWith('./deploy/config/'))!;
    const [src, dst] = v.split(':');
    assert.ok((services[s]!['command'] as string[]).includes(dst!), `${s} does not run the config it mounts`);
    return src!;
  };
  for (const s of ['agent', 'gateway']) {
    const file = mounted(s);
    // with the --set overrides the service's command adds
    const command = services[s]!['command'] as string[];
    const sets = command.flatMap((a, i) => (command[i - 1] === '--set' ? ['--set', a] : []));
    const r = runCli(['validate', '--config', file, ...sets], { env: envOf(s) as NodeJS.ProcessEnv });
    assert.equal(r.status, 0, `${file}: ${r.stdout}${r.stderr}`);
    // the published container ports are the ones the config listens on
    const container = ((services[s]!['ports'] ?? []) as string[]).map((p) => Number(p.split(':').at(-1)));
    assert.ok(container.includes(4318) && container.includes(8888), `${s} publishes ${container}`);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /0\.0\.0\.0:4318/);
    assert.match(text, /0\.0\.0\.0:8888/);
  }
  // Kafka: the collectors' brokers are the broker's advertised listener
  const kafkaEnv = envOf('kafka');
  assert.equal(envOf('agent')['ATC_KAFKA_BROKERS'], 'kafka:9092');
  assert.equal(envOf('gateway')['ATC_KAFKA_BROKERS'], 'kafka:9092');
  assert.match(kafkaEnv['KAFKA_ADVERTISED_LISTENERS'], /PLAINTEXT:\/\/kafka:9092/);
  // S3: the gateway writes to the bucket minio-init creates, on the minio service
  const gw = envOf('gateway');
  assert.equal(gw['ATC_S3_ENDPOINT'], 'http://minio:9000');
  assert.ok((services['minio-init']!['command'] as string[]).join(' ').includes(`local/${gw['ATC_S3_BUCKET']}`), 'minio-init does not create the gateway bucket');
  assert.equal(gw['AWS_ACCESS_KEY_ID'], services['minio']!['environment']['MINIO_ROOT_USER']);
  // Tempo: the gateway's trace backend is Tempo's OTLP/gRPC port
  assert.equal(gw['ATC_TRACE_BACKEND'], 'tempo:4317');
  const tempo = parse(readFileSync('deploy/compose/tempo.yaml', 'utf8')) as Obj;
  assert.equal(tempo['distributor']['receivers']['otlp']['protocols']['grpc']['endpoint'], '0.0.0.0:4317');
  // Prometheus scrapes services and ports that exist
  const prom = parse(readFileSync('deploy/compose/prometheus.yml', 'utf8')) as Obj;
  const targets = (prom['scrape_configs'] as Obj[]).flatMap((c) => (c['static_configs'] as Obj[]).flatMap((sc) => sc['targets'] as string[]));
  assert.ok(targets.includes('agent:8888') && targets.includes('gateway:8888'));
  for (const t of targets) assert.ok(services[t.split(':')[0]!], `prometheus scrapes unknown service ${t}`);
  // Grafana datasources point at the services
  const ds = parse(readFileSync('grafana/provisioning/datasources/datasources.yaml', 'utf8')) as Obj;
  for (const d of ds['datasources'] as Obj[]) assert.ok(services[new URL(d['url'] as string).hostname], `datasource ${d['name']} points nowhere`);
  // the load generator sends to the agent's OTLP/HTTP port
  assert.ok((services['loadgen']!['command'] as string[]).includes('agent:4318'));
});

function dockerfile(): { stages: { from: string; lines: string[] }[] } {
  const text = readFileSync('Dockerfile', 'utf8').replace(/\\\n/g, ' ');
  const stages: { from: string; lines: string[] }[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    if (/^FROM /i.test(line)) stages.push({ from: line.split(/\s+/)[1]!, lines: [] });
    else stages.at(-1)!.lines.push(line);
  }
  return { stages };
}

/** .dockerignore as Docker reads it: later lines win, `!` re-includes. */
function dockerIgnored(path: string): boolean {
  let ignored = false;
  for (const raw of readFileSync('.dockerignore', 'utf8').split('\n')) {
    const l = raw.trim();
    if (!l || l.startsWith('#')) continue;
    const neg = l.startsWith('!');
    const pat = (neg ? l.slice(1) : l).replace(/\/$/, '');
    const re = new RegExp(`^${pat.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
    if (re.test(path.replace(/\/$/, ''))) ignored = !neg;
  }
  return ignored;
}

test('Dockerfile: node:24-slim multi-stage, production deps only, non-root, entrypoint the CLI', () => {
  const { stages } = dockerfile();
  assert.equal(stages.length, 2);
  for (const s of stages) assert.equal(s.from, 'node:24-slim');
  const [build, run] = stages as [(typeof stages)[0], (typeof stages)[0]];
  assert.ok(build.lines.some((l) => /npm ci\b/.test(l)), 'build stage runs npm ci');
  assert.ok(build.lines.some((l) => /--omit=dev/.test(l)), 'dev dependencies are dropped');
  const user = run.lines.filter((l) => /^USER /.test(l)).at(-1);
  assert.ok(user && !/^USER (root|0)\b/.test(user), 'the image runs as non-root');
  const entry = JSON.parse(run.lines.find((l) => l.startsWith('ENTRYPOINT '))!.slice('ENTRYPOINT '.length)) as string[];
  assert.deepEqual(entry, ['node', '--max-semi-space-size=4', '/app/dist/main.js']);
  // the image, `npm start` and the executable run node with the same flags
  const flags = entry.slice(1, -1).join(' ');
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts['start'], `node ${flags} dist/main.js run`);
  assert.equal(readFileSync('main.ts', 'utf8').split('\n')[0], `#!/usr/bin/env -S node ${flags}`);
  assert.ok(run.lines.some((l) => l === 'COPY --from=build /app/dist/src ./dist/src'));
  assert.ok(run.lines.some((l) => l === 'COPY --from=build /app/dist/main.js /app/dist/components.js ./dist/'));
  assert.ok(existsSync('dist/main.js'));
  const cmd = JSON.parse(run.lines.find((l) => l.startsWith('CMD '))!.slice(4)) as string[];
  assert.equal(cmd[0], 'run');
  const cfg = cmd[cmd.indexOf('--config') + 1]!;
  assert.ok(cfg.startsWith('/etc/ai-trace-collector/'));
  assert.ok(run.lines.includes('COPY deploy/config /etc/ai-trace-collector'));
  assert.ok(existsSync(join('deploy/config', cfg.split('/').at(-1)!)));
  // every COPY source from the context exists and is not excluded by .dockerignore
  for (const s of stages)
    for (const l of s.lines.filter((x) => x.startsWith('COPY ') && !x.includes('--from'))) {
      const parts = l.split(/\s+/).slice(1);
      for (const src of parts.slice(0, -1)) {
        assert.ok(existsSync(src), `COPY ${src}: not in the repository`);
        assert.equal(dockerIgnored(src), false, `COPY ${src}: excluded by .dockerignore`);
      }
    }
  assert.equal(dockerIgnored('node_modules'), true);
  assert.equal(dockerIgnored('dist'), true);
  assert.equal(dockerIgnored('test'), true);
  // the image ships deploy/config: the Kubernetes ConfigMaps and compose mount the same files
  assert.deepEqual(readdirSync('deploy/config').sort(), ['agent.yaml', 'gateway.yaml', 'standalone.yaml']);
});

test("the image's entrypoint and default config run as a plain process on 0.0.0.0", { timeout: 60_000 }, async () => {
  const state = tempDir('atc-image-');
  const c = await spawnCollector(['--config', 'deploy/config/standalone.yaml'], {
    ATC_STATE_DIR: state,
    ATC_OTLP_HTTP_ENDPOINT: '0.0.0.0:0',
    ATC_TELEMETRY_ENDPOINT: '0.0.0.0:0',
    ATC_LOG_LEVEL: 'warn',
  });
  try {
    const ready = await fetch(`${c.telemetryUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal((await fetch(`${c.telemetryUrl}/healthz`)).status, 200);
    const r = await fetch(`${c.otlpUrl}/v1/logs`, { method: 'POST', body: logRequest(0, 0, 5), headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(r.status, 200);
  } finally {
    c.child.kill('SIGTERM');
  }
  assert.equal(await c.exited, 0, c.logs());
  assert.equal(storedLogRecords(readStored(join(state, 'data'))).length, 5);
});
