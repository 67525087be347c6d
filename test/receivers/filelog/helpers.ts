// A receiver wired to a collecting downstream, for tests that look at the records themselves.
import { pino } from 'pino';
import type { Consumer, ConsumeResult, Signal } from '../../../src/component.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { decodeRequest, type JsonObject } from '../../../src/otlp/index.js';
import { scanRequest } from '../../../src/otlp/scanner.js';
import { HealthRegistry } from '../../../src/telemetry/health.js';
import { PromMetrics } from '../../../src/telemetry/registry.js';
import { parseConfig } from '../../../receivers/filelog/config.js';
import { FilelogReceiver } from '../../../receivers/filelog/filelog-receiver.js';

export interface Rec {
  resource: Record<string, unknown>;
  record: JsonObject;
  attrs: Record<string, unknown>;
  body: unknown;
}

export class Collecting implements Consumer {
  readonly signals = new Set<Signal>(['logs']);
  readonly records: Rec[] = [];
  requests = 0;
  refuseNext = 0;
  async consume(signal: Signal, data: Uint8Array, items: number): Promise<ConsumeResult> {
    if (this.refuseNext > 0) {
      this.refuseNext--;
      return { status: 'refused', code: 'ring_full', reason: 'test', retryAfterMs: 10 };
    }
    if (scanRequest(signal, data).items !== items) throw new Error('item count mismatch');
    this.requests++;
    const j = decodeRequest('logs', data);
    for (const rl of j['resourceLogs'] as JsonObject[])
      for (const sl of rl['scopeLogs'] as JsonObject[])
        for (const r of sl['logRecords'] as JsonObject[]) {
          this.records.push({ resource: kv((rl['resource'] as JsonObject | undefined)?.['attributes']), record: r, attrs: kv(r['attributes']), body: (r['body'] as JsonObject | undefined)?.['stringValue'] });
        }
    return { status: 'accepted' };
  }
}

export function kv(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of (list ?? []) as JsonObject[]) {
    const v = (e['value'] ?? {}) as JsonObject;
    const k = Object.keys(v)[0];
    out[String(e['key'])] = k === undefined ? undefined : v[k];
  }
  return out;
}

export function makeReceiver(raw: Record<string, unknown>, next: Consumer, id = 'filelog'): { r: FilelogReceiver; metrics: PromMetrics } {
  const errors = new ConfigErrors();
  const cfg = parseConfig(raw, `receivers.${id}`, errors);
  if (!errors.empty) throw new Error(errors.toString());
  const metrics = new PromMetrics({ processMetrics: false });
  return { r: new FilelogReceiver(cfg, next, { id, logger: pino({ level: process.env['ATC_TEST_LOG_LEVEL'] ?? 'silent' }), metrics, health: new HealthRegistry().scope('receiver') }), metrics };
}

export async function until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A CRI line as containerd writes it. */
export function cri(msg: string | Buffer, opts: { stream?: 'stdout' | 'stderr'; tag?: 'P' | 'F'; time?: string } = {}): Buffer {
  const head = Buffer.from(`${opts.time ?? '2024-05-01T10:00:00.123456789Z'} ${opts.stream ?? 'stdout'} ${opts.tag ?? 'F'} `);
  return Buffer.concat([head, Buffer.isBuffer(msg) ? msg : Buffer.from(msg), Buffer.from('\n')]);
}

/** containerd splits at 16 KiB: P fragments then an F. */
export function criSplit(msg: Buffer, chunk = 16 * 1024): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < msg.length; i += chunk) out.push(cri(msg.subarray(i, i + chunk), { tag: i + chunk >= msg.length ? 'F' : 'P' }));
  if (msg.length === 0) out.push(cri(''));
  return Buffer.concat(out);
}
