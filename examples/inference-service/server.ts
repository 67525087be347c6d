// The example inference service: `POST /v1/completions` on a simulated LLM, instrumented with
// the OpenTelemetry SDK (traces to the collector over OTLP/HTTP) and pino (JSON lines with
// trace_id/span_id to stdout and, with LOG_FILE, to a file the collector's filelog receiver tails).
//
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 node dist/examples/inference-service/server.js
//
// Environment: PORT (8000; 0 picks a free port), HOST (127.0.0.1), LOG_FILE, LOG_OTLP (false),
// ERROR_RATE (0.03), SLOW_RATE (0.03), TIME_SCALE (1), SLOTS (4), OTEL_SERVICE_NAME.
import { createRequire } from 'node:module';
import type * as HttpModule from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { startTelemetry } from './telemetry.js';
import { activeSpan, InferenceError, MODELS, Simulator, type CompletionRequest } from './simulator.js';

const env = (k: string, d: string): string => process.env[k] ?? d;
const num = (k: string, d: number): number => {
  const v = Number(process.env[k] ?? d);
  return Number.isFinite(v) ? v : d;
};

const telemetry = startTelemetry({ serviceName: 'inference-service', logsOverOtlp: env('LOG_OTLP', 'false') === 'true' });

// loaded after the SDK started, through require(), so that the instrumentations patch them
const require = createRequire(import.meta.url);
const http = require('node:http') as typeof HttpModule;
const pinoMod = require('pino') as typeof import('pino');

const logFile = process.env['LOG_FILE'];
const logger = pinoMod.pino(
  { base: { service: env('OTEL_SERVICE_NAME', 'inference-service') }, level: env('LOG_LEVEL', 'info') },
  logFile
    ? pinoMod.multistream([{ stream: process.stdout }, { stream: pinoMod.destination({ dest: logFile, sync: true, mkdir: true }) }])
    : process.stdout,
);

const sim = new Simulator(trace.getTracer('inference-service', '0.1.0'), logger, {
  slots: num('SLOTS', 4),
  errorRate: num('ERROR_RATE', 0.03),
  slowRate: num('SLOW_RATE', 0.03),
  timeScale: num('TIME_SCALE', 1),
  system: env('GEN_AI_SYSTEM', 'example-llm'),
});

const ROUTE = '/v1/completions';

function send(res: HttpModule.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: HttpModule.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1 << 20) throw new InferenceError('request body over 1 MiB', 413, 'request_too_large');
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new InferenceError('request body is not JSON', 400, 'invalid_request');
  }
}

function parseRequest(body: unknown): CompletionRequest {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b['model'] !== 'string') throw new InferenceError('"model" is required', 400, 'invalid_request');
  if (typeof b['prompt'] !== 'string') throw new InferenceError('"prompt" is required', 400, 'invalid_request');
  const sim = b['simulate'];
  return {
    model: b['model'],
    prompt: b['prompt'],
    max_tokens: typeof b['max_tokens'] === 'number' ? b['max_tokens'] : undefined,
    temperature: typeof b['temperature'] === 'number' ? b['temperature'] : undefined,
    simulate: sim === 'ok' || sim === 'error' || sim === 'slow' ? sim : undefined,
  };
}

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') return send(res, 200, { status: 'ok', queue: sim.queueDepth });
  if (path === '/v1/models' && req.method === 'GET') return send(res, 200, { data: Object.keys(MODELS).map((id) => ({ id, object: 'model' })) });
  if (path !== ROUTE) return send(res, 404, { error: { message: 'not found', type: 'not_found' } });
  if (req.method !== 'POST') return send(res, 405, { error: { message: 'use POST', type: 'method_not_allowed' } });
  const span = activeSpan();
  span?.updateName(`POST ${ROUTE}`);
  span?.setAttribute('http.route', ROUTE);
  void (async () => {
    try {
      const body = parseRequest(await readJson(req));
      span?.setAttribute('gen_ai.request.model', body.model);
      logger.info({ model: body.model, max_tokens: body.max_tokens }, 'completion request received');
      const r = await sim.complete(body);
      send(res, 200, {
        id: r.id,
        object: 'text_completion',
        model: r.model,
        choices: [{ index: 0, text: r.text, finish_reason: r.finishReason }],
        usage: { prompt_tokens: r.inputTokens, completion_tokens: r.outputTokens, total_tokens: r.inputTokens + r.outputTokens },
      });
    } catch (e) {
      const err = e instanceof InferenceError ? e : new InferenceError((e as Error).message, 500, 'internal');
      if (err.status >= 500) logger.error({ err: err.message, type: err.type }, 'completion failed');
      else logger.warn({ err: err.message, type: err.type }, 'completion rejected');
      send(res, err.status, { error: { message: err.message, type: err.type } });
    }
  })();
});

server.listen(num('PORT', 8000), env('HOST', '127.0.0.1'), () => {
  const a = server.address() as AddressInfo;
  logger.info({ url: `http://${a.address}:${a.port}`, models: Object.keys(MODELS) }, 'inference service listening');
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  try {
    await telemetry.shutdown(); // flushes the last spans
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
