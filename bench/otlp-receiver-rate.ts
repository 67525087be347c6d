// The OTLP/HTTP receiver's own CPU per request at a fixed rate, after a warm-up: the receiver in
// this process (pinned to CPU 0, a consumer that accepts at once; the scan still runs), the
// side-by-side load generator in another (CPU 1, 64 keep-alive connections). Shows how CPU per
// request depends on the rate and on how long V8 has had to optimize at that rate:
//   node dist/bench/otlp-receiver-rate.js <requests/s, 0 = flat out> <seconds> [<warm-up requests/s>:<seconds>]
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { Consumer } from '../src/component.js';
import { DEFAULT_HTTP } from '../receivers/otlp/config.js';
import { OtlpReceiver } from '../receivers/otlp/otlp-receiver.js';
import { HealthRegistry } from '../src/telemetry/health.js';
import { PromMetrics } from '../src/telemetry/registry.js';

const [rate = '634', seconds = '8', warm] = process.argv.slice(2);
execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
const consumer: Consumer = { signals: new Set(['traces'] as const), consume: () => Promise.resolve({ status: 'accepted' }) };
const receiver = new OtlpReceiver({ http: { ...DEFAULT_HTTP, endpoint: '127.0.0.1:0' } }, consumer, {
  id: 'otlp',
  logger: pino({ level: 'silent' }),
  metrics: new PromMetrics({ processMetrics: false }),
  health: new HealthRegistry().scope('receiver'),
});
await receiver.start();
const port = receiver.httpAddress()!.port;
const loadgen = fileURLToPath(new URL('./side-by-side/load-generator.js', import.meta.url));

function load(r: string, secs: string): Promise<{ requests: number; cpuSeconds: number }> {
  const args = ['-c', '1', process.execPath, loadgen, '--target', `http://127.0.0.1:${port}/v1/traces`, '--connections', '64', '--seconds', secs, '--rate', r];
  args.push('--key', randomBytes(16).toString('hex'), '--nonce', '1', '--acked', '/dev/null');
  return new Promise((resolve, reject) => execFile('taskset', args, (e, out) => (e ? reject(e) : resolve(JSON.parse(out.trim().split('\n').pop()!)))));
}

if (warm) {
  const [wr = '0', ws = '5'] = warm.split(':');
  await load(wr, ws);
}
const c0 = process.cpuUsage();
const r = await load(rate, seconds);
const c = process.cpuUsage(c0);
await receiver.shutdown();
const us = (c.user + c.system) / r.requests;
console.log(`rate ${rate === '0' ? 'flat out' : `${rate} req/s`}, warm-up ${warm ?? 'none'}: ${r.requests} requests, receiver ${us.toFixed(1)} CPU µs/request, load generator ${((r.cpuSeconds * 1e6) / r.requests).toFixed(1)}`);
process.exit(0);
