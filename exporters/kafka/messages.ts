// Turns one batch into Kafka messages: one Export*ServiceRequest per message (the Collector's
// otlp_proto / otlp_json encodings), split per trace when keyed by trace id, and split by
// whole resource, scope and item entries so that no message exceeds max_message_bytes.
import type { Batch, Signal } from '../../src/component.js';
import { countItems, decodeRequest } from '../../src/otlp/index.js';
import { groupByTraceId } from '../../src/otlp/split-by-trace-id.js';
import { allItems, buildRequest, countEntryItems, packItems, parseLayout, topLevelRuns, type RequestLayout } from '../../src/otlp/split-request.js';
import type { KafkaEncoding } from '../../src/kafka/config.js';

/**
 * Bytes a record adds to its key and value in a v2 record batch, at most (length, attributes,
 * timestamp and offset deltas, key and value lengths, header count: sarama's bound).
 */
export const RECORD_OVERHEAD = 36;
/** The record batch header (base offset … record count). */
export const BATCH_OVERHEAD = 61;

export interface OutMessage {
  /** the trace id as lowercase hex when keyed, else null (the partitioner spreads them) */
  readonly key: Buffer | null;
  readonly value: Buffer;
  /** spans, log records or metric data points in the message */
  readonly items: number;
}

export interface Refused {
  /** spans, log records or metric points refused */
  items: number;
  /** size of the smallest request that would have carried the largest one */
  largestBytes: number;
}

export interface PrepareOptions {
  encoding: KafkaEncoding;
  keyByTraceId: boolean;
  maxMessageBytes: number;
}

export interface Prepared {
  messages: OutMessage[];
  refused: Refused;
}

/** The largest value a message with this key may carry so that it alone fits a record batch. */
export function valueBudget(maxMessageBytes: number, keyLen: number): number {
  return maxMessageBytes - BATCH_OVERHEAD - RECORD_OVERHEAD - keyLen;
}

export function prepareMessages(batch: Batch, opts: PrepareOptions): Prepared {
  const out: Prepared = { messages: [], refused: { items: 0, largestBytes: 0 } };
  const json = opts.encoding === 'otlp_json';
  const signal = batch.signal;
  const budget = valueBudget(opts.maxMessageBytes, 0);
  if (!opts.keyByTraceId || signal === 'metrics') {
    // Fast path: the batch as it is, not even parsed (the common case for small batches).
    if (batch.data.length <= budget) {
      const value = json ? encodeJson(signal, batch.data) : toBuffer(batch.data);
      if (value.length <= budget) {
        out.messages.push({ key: null, value, items: batch.items });
        return out;
      }
    }
    // Whole resource entries, as views of the batch: the common large batch costs a walk over
    // its top-level tags, not a parse and a copy of every span.
    const runs = topLevelRuns(batch.data, budget);
    for (let i = 0; i < runs.length; i += 2) {
      const part = batch.data.subarray(runs[i]!, runs[i + 1]!);
      if (part.length <= budget) {
        const value = json ? encodeJson(signal, part) : toBuffer(part);
        if (value.length <= budget) {
          out.messages.push({ key: null, value, items: signal === 'metrics' ? countItems(signal, part) : countEntryItems(part) });
          continue;
        }
      }
      const L = parseLayout(part);
      emit(L, signal, allItems(L), null, budget, budget, json, out);
    }
    return out;
  }
  const L = parseLayout(batch.data);
  for (const [traceId, items] of groupByTraceId(L, signal)) {
    const key = traceId === '' ? null : Buffer.from(traceId, 'latin1');
    const b = valueBudget(opts.maxMessageBytes, key?.length ?? 0);
    emit(L, signal, items, key, b, b, json, out);
  }
  return out;
}

function emit(
  L: RequestLayout,
  signal: Signal,
  items: readonly number[],
  key: Buffer | null,
  protoBudget: number,
  budget: number,
  json: boolean,
  out: Prepared,
): void {
  const { parts, oversized } = packItems(L, items, protoBudget);
  for (const k of oversized) {
    // Under a budget tightened for JSON an item may still fit alone: try it on its own.
    if (json && protoBudget < budget) parts.push([k]);
    else refuse(L, signal, [k], out);
  }
  for (const part of parts) {
    const proto = buildRequest(L, part);
    const value = json ? encodeJson(signal, proto) : toBuffer(proto);
    if (value.length <= budget) {
      out.messages.push({ key, value, items: signal === 'metrics' ? countItems(signal, proto) : part.length });
    } else if (part.length === 1) {
      refuse(L, signal, part, out, value.length);
    } else {
      // JSON grew past the budget: pack this part again, tighter by the measured growth.
      const tighter = Math.max(1, Math.floor((proto.length * budget) / value.length * 0.9));
      emit(L, signal, part, key, Math.min(tighter, protoBudget - 1), budget, json, out);
    }
  }
}

function refuse(L: RequestLayout, signal: Signal, part: readonly number[], out: Prepared, encodedLen?: number): void {
  const proto = buildRequest(L, part);
  out.refused.items += signal === 'metrics' ? countItems(signal, proto) : part.length;
  out.refused.largestBytes = Math.max(out.refused.largestBytes, encodedLen ?? proto.length);
}

function encodeJson(signal: Signal, proto: Uint8Array): Buffer {
  return Buffer.from(JSON.stringify(decodeRequest(signal, proto)), 'utf8');
}

function toBuffer(d: Uint8Array): Buffer {
  return Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * Groups messages into sends whose record batch stays within max_message_bytes before
 * compression: kafkajs puts all messages of one send for one partition in one batch.
 */
export function chunkMessages(messages: readonly OutMessage[], maxMessageBytes: number): OutMessage[][] {
  const chunks: OutMessage[][] = [];
  let cur: OutMessage[] = [];
  let size = BATCH_OVERHEAD;
  for (const m of messages) {
    const s = RECORD_OVERHEAD + (m.key?.length ?? 0) + m.value.length;
    if (cur.length > 0 && size + s > maxMessageBytes) {
      chunks.push(cur);
      cur = [];
      size = BATCH_OVERHEAD;
    }
    cur.push(m);
    size += s;
  }
  if (cur.length > 0) chunks.push(cur);
  return chunks;
}
