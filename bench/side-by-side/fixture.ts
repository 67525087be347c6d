// Pre-encoded realistic requests for the load generator: 100 inference-serving spans with
// 12 attributes each (~48 KB of OTLP protobuf). Encoded once; each request is a copy of a
// template with fresh ids patched in place. A trace id is the AES-128 encryption (a key per
// run) of nonce | request sequence number | span index, so ids look random to compressors
// and every span that arrives anywhere names the request it was sent in.
import { createCipheriv, createDecipheriv, randomBytes, randomFillSync, type Cipher } from 'node:crypto';
import { encodeRequest } from '../../src/otlp/index.js';
import { everyField, forEachSpan } from './span-walk.js';

export function templateRequest(spans: number, variant: number): Uint8Array {
  const now = BigInt(Date.now()) * 1_000_000n;
  const s = (key: string, v: string): { key: string; value: Record<string, unknown> } => ({ key, value: { stringValue: v } });
  const n = (key: string, v: number): { key: string; value: Record<string, unknown> } => ({ key, value: { intValue: String(v) } });
  const list = Array.from({ length: spans }, (_, i) => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    parentSpanId: randomBytes(8).toString('hex'),
    name: i % 4 === 0 ? 'POST /v1/chat/completions' : ['tokenize', 'prefill', 'decode'][i % 4 - 1]!,
    kind: i % 4 === 0 ? 2 : 1,
    startTimeUnixNano: String(now + BigInt(i * 1000)),
    endTimeUnixNano: String(now + BigInt(i * 1000 + 1_000_000 + ((i * 7919) % 90_000_000))),
    attributes: [
      s('gen_ai.system', 'vllm'), s('gen_ai.request.model', 'meta-llama/Llama-3.1-8B-Instruct'),
      s('http.request.method', 'POST'),
      s('k8s.pod.name', `llm-server-${variant}-${i % 13}`), s('k8s.namespace.name', 'serving'),
      s('user.tier', i % 3 === 0 ? 'pro' : 'free'),
      n('gen_ai.usage.input_tokens', 200 + ((i * 37) % 500)), n('gen_ai.usage.output_tokens', 64 + ((i * 53) % 300)),
      n('http.response.status_code', 200), n('queue.wait_ms', (i * 13) % 50), n('batch.size', 8 + (i % 24)),
      { key: 'gen_ai.request.temperature', value: { doubleValue: 0.7 } },
    ],
    status: { code: 1 },
  }));
  return encodeRequest('traces', {
    resourceSpans: [{
      resource: { attributes: [s('service.name', 'llm-gateway'), s('service.version', '1.4.2'), s('host.name', `gpu-node-${variant}`)] },
      scopeSpans: [{ scope: { name: 'inference', version: '0.3.0' }, spans: list }],
    }],
  });
}

/** A template and the offsets of each span's ids in it. */
export class RequestFactory {
  readonly template: Uint8Array;
  private readonly traceIds: number[] = [];
  private readonly spanIds: number[] = [];
  /** offsets of start/end times (fixed64): moved to the send time, as live spans would be */
  private readonly times: number[] = [];
  private readonly baseNs: bigint;
  /** the template's times as low and high 32-bit halves (by index in `times`) */
  private readonly timeLo: number[] = [];
  private readonly timeHi: number[] = [];
  private readonly templateBuf: Buffer;
  private readonly plain: Buffer;
  private readonly random: Buffer;
  // ECB is stateless per block: one cipher serves every request (update only, never final).
  private readonly cipher: Cipher;

  constructor(
    readonly spans: number,
    variant: number,
    private readonly key: Buffer,
    private readonly nonce: number,
  ) {
    this.template = templateRequest(spans, variant);
    forEachSpan(this.template, (s, e) =>
      everyField(this.template, s, e, (f, fs, fe, wt) => {
        if (wt === 2 && f === 1 && fe - fs === 16) this.traceIds.push(fs);
        if (wt === 2 && (f === 2 || f === 4) && fe - fs === 8) this.spanIds.push(fs);
        if (wt === 1 && (f === 7 || f === 8)) this.times.push(fs);
      }),
    );
    this.templateBuf = Buffer.from(this.template.buffer, this.template.byteOffset, this.template.byteLength);
    this.baseNs = this.templateBuf.readBigUInt64LE(this.times[0]!);
    for (const at of this.times) {
      this.timeLo.push(this.templateBuf.readUInt32LE(at));
      this.timeHi.push(this.templateBuf.readUInt32LE(at + 4));
    }
    if (this.traceIds.length !== spans) throw new Error(`fixture: found ${this.traceIds.length} trace ids, expected ${spans}`);
    this.plain = Buffer.alloc(16 * spans);
    this.random = Buffer.alloc(8 * this.spanIds.length);
    this.cipher = createCipheriv('aes-128-ecb', this.key, null).setAutoPadding(false);
    for (let i = 0; i < spans; i++) {
      this.plain.writeUInt32BE(this.nonce, i * 16);
      this.plain.writeUInt32BE(i, i * 16 + 12);
    }
  }

  /** Writes request `seq` into `out` (template length). */
  fill(out: Buffer, seq: number): void {
    out.set(this.template);
    const hi = Math.floor(seq / 2 ** 32);
    const lo = seq >>> 0;
    for (let o = 0; o < this.plain.length; o += 16) {
      this.plain.writeUInt32BE(hi, o + 4);
      this.plain.writeUInt32BE(lo, o + 8);
    }
    const enc = this.cipher.update(this.plain);
    // byte loops: Buffer.copy of 8–16 bytes costs ~1 µs a call
    for (let i = 0; i < this.spans; i++) {
      const at = this.traceIds[i]!;
      for (let k = 0; k < 16; k++) out[at + k] = enc[i * 16 + k]!;
    }
    // one BigInt per request, then 32-bit halves: two BigInts per time field were most of the
    // generator's garbage (in-process benches share its heap)
    const shift = BigInt.asUintN(64, BigInt(Date.now()) * 1_000_000n - this.baseNs);
    const sLo = Number(shift & 0xffffffffn);
    const sHi = Number(shift >> 32n);
    for (let i = 0; i < this.times.length; i++) {
      const at = this.times[i]!;
      const lo = this.timeLo[i]! + sLo;
      out.writeUInt32LE(lo >>> 0, at);
      out.writeUInt32LE((this.timeHi[i]! + sHi + (lo >= 4294967296 ? 1 : 0)) >>> 0, at + 4);
    }
    randomFillSync(this.random);
    for (let i = 0; i < this.spanIds.length; i++) {
      const at = this.spanIds[i]!;
      for (let k = 0; k < 8; k++) out[at + k] = this.random[i * 8 + k]!;
    }
  }
}

/** Run identity shared by the load generator and the delivery counter. */
export interface RunKey {
  key: Buffer;
  nonce: number;
}

export function newRunKey(): RunKey {
  return { key: randomBytes(16), nonce: randomBytes(4).readUInt32BE(0) };
}

/** Decrypts trace ids (n × 16 bytes) in place. */
export function decryptIds(key: Buffer, ids: Buffer): Buffer {
  const d = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  return Buffer.concat([d.update(ids), d.final()]);
}
