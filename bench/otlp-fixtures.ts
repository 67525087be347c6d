// Realistic OTLP spans for benchmarks: inference-request spans with 20 attributes each, as
// in the OpenTelemetry Collector testbed's sizing runs.
import { randomBytes } from 'node:crypto';
import { encodeRequest } from '../src/otlp/index.js';

export function spanRequest(spans: number, seed = 0): Uint8Array {
  const now = BigInt(Date.now()) * 1_000_000n;
  const list = Array.from({ length: spans }, (_, i) => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    parentSpanId: randomBytes(8).toString('hex'),
    name: `POST /v1/completions ${i % 7}`,
    kind: 2,
    startTimeUnixNano: String(now + BigInt(i * 1000)),
    endTimeUnixNano: String(now + BigInt(i * 1000 + 35_000_000)),
    attributes: [
      ['gen_ai.system', 'vllm'], ['gen_ai.request.model', 'meta-llama/Llama-3.1-8B-Instruct'], ['gen_ai.operation.name', 'chat'],
      ['http.request.method', 'POST'], ['http.route', '/v1/completions'], ['server.address', 'inference-7f9c'],
      ['k8s.pod.name', `llm-server-${seed}-${i % 13}`], ['k8s.namespace.name', 'serving'], ['gpu.uuid', 'GPU-5e2c1a8e-9f3b-4c1d-8a7e-0b1c2d3e4f50'],
      ['user.tier', i % 3 === 0 ? 'pro' : 'free'], ['request.id', randomBytes(8).toString('hex')], ['deployment', 'prod-eu-1'],
    ].map(([key, v]): { key: string; value: Record<string, unknown> } => ({ key: key!, value: { stringValue: v } }))
      .concat([
        ['gen_ai.usage.input_tokens', 200 + (i % 500)], ['gen_ai.usage.output_tokens', 64 + (i % 300)], ['gen_ai.request.max_tokens', 1024],
        ['http.response.status_code', 200], ['queue.wait_ms', i % 50], ['batch.size', 8 + (i % 24)], ['kv_cache.blocks', 512 + i],
      ].map(([key, v]) => ({ key: key as string, value: { intValue: String(v) } })))
      .concat([{ key: 'gen_ai.request.temperature', value: { doubleValue: 0.7 } }]),
    status: { code: 1 },
  }));
  return encodeRequest('traces', { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'llm-gateway' } }] }, scopeSpans: [{ scope: { name: 'bench' }, spans: list }] }] });
}
