export { otlpReceiverFactory } from './factory.js';
export { OtlpReceiver } from './otlp-receiver.js';
export type { OtlpReceiverConfig } from './config.js';
