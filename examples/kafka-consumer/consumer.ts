// A downstream consumer of the collector's Kafka topics: reads messages with kafkajs, and
// prints one line per span, log record or metric. What it must do, in order:
//   1. decompress: Kafka compresses record batches (zstd by default); the client does it if
//      it has a codec. kafkajs has none for zstd or snappy: register one (here, ours).
//   2. decode: each message value is one OTLP Export{Trace,Logs,Metrics}ServiceRequest,
//      protobuf (otlp_proto) or OTLP/JSON (otlp_json), the same as the Collector's
//      kafkaexporter writes, so any OTLP decoder works (here, the project's own).
//   3. (optional) the key, when partitioning by trace id, is the trace id as 32 hex chars.
//
//   node dist/examples/kafka-consumer/consumer.js --brokers 127.0.0.1:9092 --topic otlp_spans
import { parseArgs } from 'node:util';
import { registerKafkaCodecs } from '../../src/kafka/codecs.js';
import { Kafka, logLevel } from '../../src/kafka/kafkajs.js';
import type { Signal } from '../../src/component.js';
import { decodeRequest, type JsonObject, type JsonValue } from '../../src/otlp/index.js';

const DEFAULT_SIGNAL: Record<string, Signal> = { otlp_spans: 'traces', otlp_logs: 'logs', otlp_metrics: 'metrics' };
const CONTAINERS: Record<Signal, readonly [string, string, string]> = {
  traces: ['resourceSpans', 'scopeSpans', 'spans'],
  logs: ['resourceLogs', 'scopeLogs', 'logRecords'],
  metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'],
};

const { values: args } = parseArgs({
  options: {
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    topic: { type: 'string', default: 'otlp_spans' },
    signal: { type: 'string' },
    encoding: { type: 'string', default: 'otlp_proto' },
    group: { type: 'string', default: 'atc-example-consumer' },
    'from-beginning': { type: 'boolean', default: false },
    /** stop after this many messages (0 = run until ^C) */
    max: { type: 'string', default: '0' },
  },
});

const signal = (args.signal ?? DEFAULT_SIGNAL[args.topic] ?? 'traces') as Signal;
if (!(signal in CONTAINERS)) throw new Error(`--signal must be traces, logs or metrics, got ${signal}`);
const json = args.encoding === 'otlp_json';
const max = Number(args.max);

/** The string form of an OTLP AnyValue (enough for printing). */
function anyValue(v: JsonValue | undefined): string {
  if (v === undefined || v === null || typeof v !== 'object' || Array.isArray(v)) return '';
  const [first] = Object.values(v);
  return typeof first === 'object' ? JSON.stringify(first) : String(first ?? '');
}

function serviceName(resource: JsonValue | undefined): string {
  const attrs = ((resource as JsonObject | undefined)?.attributes ?? []) as JsonObject[];
  return anyValue(attrs.find((a) => a.key === 'service.name')?.value) || '(unknown service)';
}

function describe(item: JsonObject, service: string): string {
  switch (signal) {
    case 'traces': {
      const ms = (Number(item.endTimeUnixNano ?? 0) - Number(item.startTimeUnixNano ?? 0)) / 1e6;
      return `span  ${item.traceId ?? ''} ${item.spanId ?? ''} ${service} "${item.name ?? ''}" ${ms.toFixed(3)} ms`;
    }
    case 'logs':
      return `log   ${item.traceId ?? '-'} ${service} [${item.severityText ?? item.severityNumber ?? ''}] ${anyValue(item.body)}`;
    case 'metrics': {
      const data = (item.gauge ?? item.sum ?? item.histogram ?? item.exponentialHistogram ?? item.summary) as JsonObject | undefined;
      const points = ((data?.dataPoints ?? []) as JsonValue[]).length;
      return `metric ${service} ${item.name ?? ''} ${points} point(s)`;
    }
  }
}

function print(value: Buffer): void {
  const req = json ? (JSON.parse(value.toString('utf8')) as JsonObject) : decodeRequest(signal, value);
  const [rKey, sKey, iKey] = CONTAINERS[signal];
  for (const rs of (req[rKey] ?? []) as JsonObject[]) {
    const service = serviceName(rs.resource);
    for (const ss of (rs[sKey] ?? []) as JsonObject[]) {
      for (const item of (ss[iKey] ?? []) as JsonObject[]) console.log(describe(item, service));
    }
  }
}

registerKafkaCodecs();
const kafka = new Kafka({ clientId: 'atc-example-consumer', brokers: args.brokers.split(','), logLevel: logLevel.WARN });
const consumer = kafka.consumer({ groupId: args.group });
let seen = 0;
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await consumer.disconnect();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

await consumer.connect();
await consumer.subscribe({ topic: args.topic, fromBeginning: args['from-beginning'] });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    if (stopping || !message.value) return;
    console.log(`# partition ${partition} offset ${message.offset} key ${message.key?.toString('latin1') ?? '(none)'} ${message.value.length} bytes`);
    print(message.value);
    if (max > 0 && ++seen >= max) void stop();
  },
});
