// Realistic OTLP trace requests for S3 tests and the S3 benchmark: an inference service's
// spans (HTTP server → tokenizer → model forward → GPU kernels) with the attributes such
// services really carry, random ids, and timestamps that advance like a live stream.
// Encoded with the collector's own OTLP/JSON → protobuf codec.
import { randomBytes } from 'node:crypto';
import type { Batch, Signal } from '../../src/component.js';
import { encodeRequest } from '../../src/otlp/index.js';

const MODELS = ['llama-3-8b-instruct', 'llama-3-70b-instruct', 'mistral-7b-v0.3', 'qwen2-72b'];
const ROUTES = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings'];
const KERNELS = ['ampere_fp16_s16816gemm_fp16_128x128_ldg8_f2f_stages_32x5_nn', 'flash_fwd_kernel', 'void at::native::vectorized_elementwise_kernel<4>', 'rms_norm_kernel'];

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const int = (key: string, v: number) => ({ key, value: { intValue: String(v) } });
const dbl = (key: string, v: number) => ({ key, value: { doubleValue: v } });

let clockNs = BigInt(Date.now()) * 1_000_000n;

function span(traceId: string, parent: string, name: string, kind: number, durNs: bigint, attributes: object[]): { id: string; json: object } {
  const id = randomBytes(8).toString('hex');
  const start = clockNs;
  clockNs += durNs / 4n + 1000n;
  return {
    id,
    json: {
      traceId, spanId: id, parentSpanId: parent, name, kind,
      startTimeUnixNano: String(start), endTimeUnixNano: String(start + durNs),
      attributes, status: { code: 1 },
    },
  };
}

/** One trace: 1 server span, tokenizer, forward pass, and `kernels` GPU kernel spans. */
function traceSpans(i: number, kernels: number): object[] {
  const traceId = randomBytes(16).toString('hex');
  const model = MODELS[i % MODELS.length]!;
  const root = span(traceId, '', `POST ${ROUTES[i % ROUTES.length]}`, 2, 180_000_000n + BigInt(i % 97) * 1_000_000n, [
    str('http.request.method', 'POST'), str('url.path', ROUTES[i % ROUTES.length]!), int('http.response.status_code', i % 50 === 0 ? 503 : 200),
    str('gen_ai.system', 'vllm'), str('gen_ai.request.model', model), int('gen_ai.usage.input_tokens', 200 + (i * 37) % 1800),
    int('gen_ai.usage.output_tokens', 20 + (i * 13) % 500), dbl('gen_ai.request.temperature', 0.7), str('user_agent.original', 'openai-python/1.40.0'),
    str('request.id', randomBytes(12).toString('base64url')),
  ]);
  const tok = span(traceId, root.id, 'tokenize', 1, 900_000n, [str('gen_ai.request.model', model), int('tokens', 200 + (i * 37) % 1800)]);
  const fwd = span(traceId, root.id, 'model.forward', 1, 150_000_000n, [
    str('gen_ai.request.model', model), int('batch.size', 1 + (i % 32)), str('gpu.uuid', `GPU-3f1c${(i % 8).toString(16)}a2e-7b41-4c0e-9d2a-5e8b6c1f0a9${i % 8}`), int('gpu.index', i % 8),
  ]);
  const out = [root.json, tok.json, fwd.json];
  for (let k = 0; k < kernels; k++) {
    out.push(span(traceId, fwd.id, KERNELS[k % KERNELS.length]!, 1, 40_000n + BigInt(k * 1000), [
      str('cuda.stream', String(7 + (k % 2))), int('cuda.grid.x', 128 << (k % 3)), int('cuda.block.x', 256), int('cuda.correlation_id', i * 1000 + k),
    ]).json);
  }
  return out;
}

export interface TraceRequest {
  readonly bytes: Uint8Array;
  readonly spans: number;
}

/** An ExportTraceServiceRequest of `traces` traces from one resource (a node's vLLM pod). */
export function traceRequest(traces: number, kernelsPerTrace = 4, service = 'vllm-inference'): TraceRequest {
  const spans: object[] = [];
  for (let i = 0; i < traces; i++) spans.push(...traceSpans(i, kernelsPerTrace));
  const json = {
    resourceSpans: [{
      resource: {
        attributes: [
          str('service.name', service), str('service.version', '0.6.3'), str('k8s.namespace.name', 'inference'),
          str('k8s.pod.name', `${service}-7d9f8c6b5-x2m4q`), str('k8s.node.name', 'gpu-node-a100-17'), str('host.name', 'gpu-node-a100-17'),
          str('cloud.region', 'us-east-1'), str('telemetry.sdk.language', 'python'), str('telemetry.sdk.version', '1.27.0'),
        ],
      },
      scopeSpans: [{ scope: { name: 'opentelemetry.instrumentation.vllm', version: '0.48b0' }, spans }],
    }],
  };
  return { bytes: encodeRequest('traces', json), spans: spans.length };
}

/** A batch of about `targetBytes` made of concatenated requests (as the flush worker cuts them). */
export function traceBatch(targetBytes: number, createdAt = Date.now()): Batch {
  const parts: Uint8Array[] = [];
  let size = 0;
  let items = 0;
  while (size < targetBytes) {
    const r = traceRequest(50);
    parts.push(r.bytes);
    size += r.bytes.length;
    items += r.spans;
  }
  return { signal: 'traces', data: Buffer.concat(parts), items, createdAt };
}

export function batchOf(signal: Signal, bytes: Uint8Array, items: number, createdAt = Date.now()): Batch {
  return { signal, data: bytes, items, createdAt };
}
