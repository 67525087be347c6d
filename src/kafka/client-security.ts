// TLS and SASL for a kafkajs client, shared by the Kafka exporter and receiver.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaSaslConfig, KafkaTlsConfig } from './config.js';
import type { KafkaConfig, SASLOptions } from './kafkajs.js';

export function applyClientSecurity(c: KafkaConfig, tls: KafkaTlsConfig | undefined, sasl: KafkaSaslConfig | undefined): KafkaConfig {
  if (tls) {
    const ssl: ConnectionOptions = { rejectUnauthorized: !tls.insecureSkipVerify };
    if (tls.caFile) ssl.ca = [readFileSync(tls.caFile)];
    if (tls.certFile) ssl.cert = readFileSync(tls.certFile);
    if (tls.keyFile) ssl.key = readFileSync(tls.keyFile);
    if (tls.serverNameOverride) ssl.servername = tls.serverNameOverride;
    c.ssl = ssl;
  }
  if (sasl) c.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
  return c;
}
