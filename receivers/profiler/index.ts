export { profilerReceiverFactory } from './factory.js';
export { ProfilerReceiver } from './profiler.js';
export type { ProfilerReceiverConfig } from './config.js';
export { convertTraceFile } from './trace-file.js';
