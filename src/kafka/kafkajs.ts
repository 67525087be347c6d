// kafkajs is CommonJS and Node's ESM loader sees only some of its exports by name
// (CompressionCodecs, Partitioners are missing), so every value comes from the default export.
import kafkajs from 'kafkajs';
// before any client exists: stops an idle 1 ms timer per broker connection
import './request-queue-idle-fix.js';
// before the first send: Produce requests encoded into one buffer, values copied once
import './produce-request-patch.js';

export const { Kafka, CompressionTypes, CompressionCodecs, Partitioners, logLevel } = kafkajs;
export type {
  Consumer,
  IHeaders,
  KafkaConfig,
  LogEntry,
  Message,
  PartitionerArgs,
  PartitionMetadata,
  Producer,
  ProducerBatch,
  SASLOptions,
  TopicMessages,
} from 'kafkajs';
