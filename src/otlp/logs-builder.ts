// ExportLogsServiceRequest bytes: log records.
//   const b = new LogsBuilder();
//   b.beginResource(resourceBytes); b.beginScope('my-scope', '1.0');
//   b.beginLogRecord(); b.time(ns); b.severity(9, 'INFO'); b.body('text'); b.stringAttr('k', 'v');
//   b.endLogRecord(); b.endScope(); b.endResource(); const bytes = b.finish();
import { writeAnyValue } from './attributes-writer.js';
import { KEY } from './fields.js';
import { RequestBuilder } from './request-builder.js';

const R = KEY.LogRecord;
const AV = KEY.AnyValue;

export class LogsBuilder extends RequestBuilder {
  constructor(initialBytes = 64 * 1024) {
    super('logs', initialBytes);
  }

  beginLogRecord(): void {
    this.beginItem(R.attributes);
  }

  endLogRecord(): void {
    this.w.join();
    this.items++;
  }

  time(ns: bigint): void {
    this.w.key(R.timeUnixNano);
    this.w.fixed64(ns);
  }

  timeMs(ms: number): void {
    this.w.key(R.timeUnixNano);
    this.w.fixed64Ms(ms);
  }

  observedTime(ns: bigint): void {
    this.w.key(R.observedTimeUnixNano);
    this.w.fixed64(ns);
  }

  observedTimeMs(ms: number): void {
    this.w.key(R.observedTimeUnixNano);
    this.w.fixed64Ms(ms);
  }

  /** severity_number, and severity_text when not empty */
  severity(n: number, text = ''): void {
    const w = this.w;
    w.key(R.severityNumber);
    w.varint(n);
    if (text !== '') {
      w.key(R.severityText);
      w.string(text);
    }
  }

  severityText(text: string): void {
    this.w.key(R.severityText);
    this.w.string(text);
  }

  /** A string body. */
  bodyString(s: string): void {
    const w = this.w;
    w.key(R.body);
    w.fork();
    w.key(AV.stringValue);
    w.string(s);
    w.join();
  }

  /** A body of any JS value (objects become kvlists, arrays arrays). */
  body(v: unknown): void {
    const w = this.w;
    w.key(R.body);
    w.fork();
    writeAnyValue(w, v);
    w.join();
  }

  /** A body given as AnyValue bytes copied from elsewhere. */
  bodyBytes(anyValue: Uint8Array): void {
    this.w.key(R.body);
    this.w.bytes(anyValue);
  }

  flags(f: number): void {
    this.w.key(R.flags);
    this.w.fixed32(f);
  }

  traceId(id: Uint8Array): void {
    this.w.key(R.traceId);
    this.w.bytes(id);
  }

  spanId(id: Uint8Array): void {
    this.w.key(R.spanId);
    this.w.bytes(id);
  }

  eventName(s: string): void {
    this.w.key(R.eventName);
    this.w.string(s);
  }
}
