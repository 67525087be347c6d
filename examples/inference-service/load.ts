// Load generator for the example inference service: open-loop requests at a fixed rate over a
// mix of models, prompt sizes and max_tokens, with a bounded number in flight.
//
//   node dist/examples/inference-service/load.js --url http://127.0.0.1:8000 --rps 5 --duration 60s
//   options: --models a,b  --concurrency 32  --slow 0.05 --error 0.05 (forced outcomes, on top of the service's own rates)
import { fileURLToPath } from 'node:url';

export interface LoadOptions {
  url: string;
  rps: number;
  durationMs: number;
  models: string[];
  concurrency: number;
  /** fraction of requests that ask the service to fail / be slow (body field `simulate`) */
  forceError: number;
  forceSlow: number;
  random?: () => number;
}

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  skipped: number;
  byStatus: Record<string, number>;
  latenciesMs: number[];
}

const WORDS = 'the a GPU model token prompt cache batch tensor kernel decode prefill attention layer weight sample stream request answer'.split(' ');

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const rnd = o.random ?? Math.random;
  const res: LoadResult = { sent: 0, ok: 0, failed: 0, skipped: 0, byStatus: {}, latenciesMs: [] };
  const inflight = new Set<Promise<void>>();
  const start = Date.now();
  const interval = 1000 / o.rps;
  let i = 0;
  const base = o.url.replace(/\/$/, '');
  while (Date.now() - start < o.durationMs) {
    const due = start + i * interval;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    i++;
    if (inflight.size >= o.concurrency) {
      res.skipped++;
      continue;
    }
    const r = rnd();
    const simulate = r < o.forceError ? 'error' : r < o.forceError + o.forceSlow ? 'slow' : undefined;
    const words = 20 + Math.floor(rnd() * 400);
    const body = {
      model: o.models[Math.floor(rnd() * o.models.length)]!,
      prompt: Array.from({ length: words }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' '),
      max_tokens: [32, 64, 128, 256][Math.floor(rnd() * 4)],
      temperature: 0.7,
      ...(simulate ? { simulate } : {}),
    };
    res.sent++;
    const t0 = performance.now();
    const p = fetch(`${base}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(async (r) => {
        await r.arrayBuffer();
        res.byStatus[r.status] = (res.byStatus[r.status] ?? 0) + 1;
        if (r.ok) res.ok++;
        else res.failed++;
      })
      .catch(() => {
        res.byStatus['error'] = (res.byStatus['error'] ?? 0) + 1;
        res.failed++;
      })
      .finally(() => {
        res.latenciesMs.push(performance.now() - t0);
        inflight.delete(p);
      });
    inflight.add(p);
  }
  await Promise.all(inflight);
  return res;
}

function parseDurationMs(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s);
  if (!m) throw new Error(`not a duration: ${s}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, d: string): string => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : d;
  };
  const o: LoadOptions = {
    url: opt('url', process.env['INFERENCE_URL'] ?? 'http://127.0.0.1:8000'),
    rps: Number(opt('rps', '5')),
    durationMs: parseDurationMs(opt('duration', '60s')),
    models: opt('models', 'llama-3-8b-instruct,mistral-7b-instruct,llama-3-70b-instruct').split(','),
    concurrency: Number(opt('concurrency', '32')),
    forceError: Number(opt('error', '0')),
    forceSlow: Number(opt('slow', '0')),
  };
  process.stderr.write(`load: ${o.rps} req/s for ${o.durationMs / 1000}s against ${o.url}\n`);
  const r = await runLoad(o);
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  const q = (p: number): string => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(1) : '-');
  process.stdout.write(`${JSON.stringify({ sent: r.sent, ok: r.ok, failed: r.failed, skipped: r.skipped, by_status: r.byStatus, p50_ms: q(0.5), p99_ms: q(0.99) })}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
}
