// Fused documents as a logs stream: one log record per trace (event name `fusion.document`,
// body = the JSON document, trace and root span ids set, the root span's resource), so any
// logs exporter (Kafka partitioned by trace id, S3, file, OTLP) delivers them.
import { LogsBuilder } from '../../src/otlp/logs-builder.js';
import type { FusedDoc } from './fusion-core.js';

export const FUSED_DOCUMENT_EVENT = 'fusion.document';
const SCOPE = 'ai-trace-collector/fusion';

/** The documents as one ExportLogsServiceRequest. */
export function encodeFusedDocuments(docs: readonly FusedDoc[], nowNs: bigint): Uint8Array {
  const b = new LogsBuilder(4096);
  for (const d of docs) {
    b.beginResource(d.resource);
    b.beginScope(SCOPE);
    b.beginLogRecord();
    b.time(d.startNs);
    b.observedTime(nowNs);
    b.severity(d.status === 'error' ? 17 : 9, d.status === 'error' ? 'ERROR' : 'INFO');
    b.bodyString(d.json);
    b.stringAttr('event.name', FUSED_DOCUMENT_EVENT);
    b.stringAttr('fusion.status', d.status);
    b.traceId(Buffer.from(d.traceKey, 'latin1'));
    if (d.rootSpanId !== '') b.spanId(Buffer.from(d.rootSpanId, 'latin1'));
    b.eventName(FUSED_DOCUMENT_EVENT);
    b.endLogRecord();
    b.endScope();
    b.endResource();
  }
  return b.finish();
}
