// Fused documents as a logs stream: one log record per trace (event name `fusion.document`,
// body = the JSON document, trace and root span ids set, the root span's resource), so any
// logs exporter (Kafka partitioned by trace id, S3, file, OTLP) delivers them.
import { ProtoWriter } from '../../src/otlp/proto-writer.js';
import { writeStringAttr } from '../../src/otlp/attributes.js';
import type { FusedDoc } from './fusion-core.js';

export const FUSED_DOCUMENT_EVENT = 'fusion.document';
const SCOPE = 'ai-trace-collector/fusion';

/** The documents as one ExportLogsServiceRequest. */
export function encodeFusedDocuments(docs: readonly FusedDoc[], nowNs: bigint): Uint8Array {
  const w = new ProtoWriter(4096);
  for (const d of docs) {
    w.tag(1, 2); // ResourceLogs
    w.fork();
    w.tag(1, 2);
    w.bytes(d.resource);
    w.tag(2, 2); // ScopeLogs
    w.fork();
    w.tag(1, 2);
    w.fork();
    w.tag(1, 2);
    w.string(SCOPE);
    w.join();
    w.tag(2, 2); // LogRecord
    w.fork();
    w.tag(1, 1);
    w.fixed64(d.startNs);
    w.tag(11, 1);
    w.fixed64(nowNs);
    w.tag(2, 0);
    w.varint(d.status === 'error' ? 17 : 9); // ERROR or INFO
    w.tag(3, 2);
    w.string(d.status === 'error' ? 'ERROR' : 'INFO');
    w.tag(5, 2);
    w.fork();
    w.tag(1, 2);
    w.string(d.json);
    w.join();
    writeStringAttr(w, 6, 'event.name', FUSED_DOCUMENT_EVENT);
    writeStringAttr(w, 6, 'fusion.status', d.status);
    w.tag(9, 2);
    w.bytes(Buffer.from(d.traceKey, 'latin1'));
    if (d.rootSpanId !== '') {
      w.tag(10, 2);
      w.bytes(Buffer.from(d.rootSpanId, 'latin1'));
    }
    w.tag(12, 2);
    w.string(FUSED_DOCUMENT_EVENT);
    w.join();
    w.join();
    w.join();
  }
  return w.finish();
}
