export { prometheusReceiverFactory } from './factory.js';
export { PrometheusReceiver, buildTargets, type TargetStatus } from './prometheus-receiver.js';
export { parseExposition, ExpositionError } from './parser.js';
export type { PrometheusConfig } from './config.js';
