// One way to make a kafkajs client: brokers, TLS, SASL, our compression codecs, and kafkajs's
// log lines routed to the component's logger. Used by the Kafka exporter and receiver.
import type { Logger } from 'pino';
import { applyClientSecurity } from './client-security.js';
import { registerKafkaCodecs } from './codecs.js';
import type { KafkaSaslConfig, KafkaTlsConfig } from './config.js';
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from './kafkajs.js';

export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  tls: KafkaTlsConfig | undefined;
  sasl: KafkaSaslConfig | undefined;
  connectionTimeout: number;
  requestTimeout: number;
  enforceRequestTimeout?: boolean;
  retry: NonNullable<KafkaConfig['retry']>;
  /** bound to the component's id */
  logger: Logger;
  /** kafkajs messages not worth a log line (known and harmless, or while stopping) */
  quiet?: (message: string) => boolean;
}

export function createKafkaClient(o: KafkaClientOptions): InstanceType<typeof Kafka> {
  registerKafkaCodecs();
  const log = (entry: LogEntry): void => {
    const { message, error, broker } = entry.log as { message: string; error?: string; broker?: string };
    if (o.quiet?.(message)) return;
    const fields = { broker, err: error };
    if (entry.level <= logLevel.WARN) o.logger.warn(fields, `kafkajs: ${message}`);
    else if (entry.level === logLevel.INFO) o.logger.debug(fields, `kafkajs: ${message}`);
    else o.logger.trace(fields, `kafkajs: ${message}`);
  };
  const c: KafkaConfig = {
    clientId: o.clientId,
    brokers: o.brokers,
    connectionTimeout: o.connectionTimeout,
    requestTimeout: o.requestTimeout,
    retry: o.retry,
    logLevel: o.logger.isLevelEnabled('debug') ? logLevel.INFO : logLevel.WARN,
    logCreator: () => log,
  };
  if (o.enforceRequestTimeout !== undefined) c.enforceRequestTimeout = o.enforceRequestTimeout;
  return new Kafka(applyClientSecurity(c, o.tls, o.sasl));
}
