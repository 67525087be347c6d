// Reads one file from its committed offset: splits lines, joins CRI `P`/`F` (and Docker
// JSON) partials, bounds message length, and builds one logs request. Offsets are only
// committed by the caller once the pipeline accepted the request, so a refused or crashed
// read is simply read again.
import { readSync } from 'node:fs';
import type { LogFormat } from './config.js';
import { parseLine } from './line-format.js';
import type { LogRequestBuilder } from './log-record.js';

export interface FileState {
  path: string;
  dev: number;
  ino: number;
  /** the first bytes of the file (up to fingerprint_size) */
  fp: Buffer;
  /** committed offset: everything before it was accepted downstream */
  offset: number;
  /** inside an over-long message whose head was emitted: skip until its end */
  skipping: boolean;
  resource: Uint8Array;
  fileAttrs: Uint8Array;
}

export interface ReadOptions {
  format: LogFormat;
  maxLogSize: number;
  maxRead: number;
}

export interface ReadResult {
  request: Uint8Array | undefined;
  items: number;
  /** offset and skip state to commit once the request is accepted */
  offset: number;
  skipping: boolean;
  /** bytes read from the file in this call */
  bytesRead: number;
  truncated: number;
  /** lines whose conversion failed: skipped, their bytes committed with the rest */
  bad: number;
  /** the first such failure's message */
  badError?: string;
  /** data is left past `offset` that a following read will take (the read was capped) */
  more: boolean;
}

const NL = 0x0a;
let scratch = Buffer.allocUnsafe(1024 * 1024);

/**
 * Reads [state.offset, min(size, offset + maxRead)). `final`: the file will not grow again
 * (rotated away and idle, or deleted): an unterminated last line or an unfinished partial
 * message is emitted too.
 */
export function readFile(fd: number, size: number, state: FileState, opts: ReadOptions, b: LogRequestBuilder, observedNs: bigint, final: boolean): ReadResult {
  const want = Math.min(size - state.offset, opts.maxRead);
  if (want <= 0) return { request: undefined, items: 0, offset: state.offset, skipping: state.skipping, bytesRead: 0, truncated: 0, bad: 0, more: false };
  if (scratch.length < want) scratch = Buffer.allocUnsafe(Math.max(want, scratch.length * 2));
  let len = 0;
  while (len < want) {
    const n = readSync(fd, scratch, len, want - len, state.offset + len);
    if (n === 0) break;
    len += n;
  }
  const buf = scratch.subarray(0, len);
  const full = len === opts.maxRead;
  b.begin(state.resource);
  let skipping = state.skipping;
  let consumed = 0; // bytes of buf committed
  let truncated = 0;
  let bad = 0;
  let badError: string | undefined;
  let parts: Buffer[] = [];
  let partsLen = 0;
  let groupStart = -1;
  let groupTime: bigint | undefined;
  let groupStream: 'stdout' | 'stderr' | undefined;
  const max = opts.maxLogSize;

  const emit = (msg: Buffer, timeNs: bigint | undefined, stream: 'stdout' | 'stderr' | undefined, cut: boolean): void => {
    if (cut) truncated++;
    try {
      b.add({ text: (cut ? msg.subarray(0, max) : msg).toString('utf8'), timeNs, stream, truncated: cut }, state.fileAttrs, observedNs);
    } catch (e) {
      // one line that cannot be converted never stalls the file: skip it, count it
      bad++;
      badError ??= e instanceof Error ? e.message : String(e);
    }
  };
  const joined = (last: Buffer): Buffer => (parts.length === 0 ? last : Buffer.concat([...parts, last], partsLen + last.length));

  let pos = 0;
  while (pos < len) {
    let nl = buf.indexOf(NL, pos);
    if (nl < 0) break;
    const line = parseLine(buf.subarray(pos, nl), opts.format);
    const lineStart = pos;
    pos = nl + 1;
    if (skipping) {
      if (!line.partial) skipping = false;
      consumed = pos;
      continue;
    }
    if (line.partial) {
      if (parts.length === 0) {
        groupStart = lineStart;
        groupTime = line.timeNs;
        groupStream = line.stream;
      }
      parts.push(line.msg);
      partsLen += line.msg.length;
      if (partsLen > max) {
        emit(joined(Buffer.alloc(0)), groupTime, groupStream, true);
        parts = [];
        partsLen = 0;
        skipping = true;
        consumed = pos;
      }
      continue;
    }
    const msg = joined(line.msg);
    const time = parts.length > 0 ? groupTime : line.timeNs;
    const stream = parts.length > 0 ? groupStream : line.stream;
    emit(msg, time, stream, msg.length > max);
    parts = [];
    partsLen = 0;
    consumed = pos;
    nl = -1;
  }
  // What is left: an unfinished partial group, and/or an unterminated line.
  const rest = len - pos;
  if (parts.length > 0) {
    if (final || (full && groupStart === 0)) {
      // the writer is gone, or the group alone fills a whole read: emit what there is
      const tail = rest > 0 ? parseLine(buf.subarray(pos, len), opts.format).msg : Buffer.alloc(0);
      const msg = joined(tail);
      emit(msg, groupTime, groupStream, msg.length > max || !final);
      skipping = !final;
      consumed = len;
    } else consumed = groupStart;
  } else if (rest > 0) {
    if (skipping) {
      consumed = len; // still inside the over-long line
    } else if (rest > max || (full && pos === 0)) {
      emit(buf.subarray(pos, len), undefined, undefined, true);
      skipping = true;
      consumed = len;
    } else if (final) {
      const line = parseLine(buf.subarray(pos, len), opts.format);
      emit(line.msg, line.timeNs, line.stream, false);
      consumed = len;
    }
  }
  const request = b.finish();
  return { request, items: b.items, offset: state.offset + consumed, skipping, bytesRead: len, truncated, bad, ...(badError === undefined ? {} : { badError }), more: full && consumed > 0 };
}
