export { nvmlReceiverFactory } from './factory.js';
export { NvmlReceiver, type NvmlStatus } from './nvml.js';
export type { NvmlReceiverConfig } from './config.js';
