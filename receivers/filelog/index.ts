export { filelogReceiverFactory } from './factory.js';
export { FilelogReceiver } from './filelog-receiver.js';
export type { FilelogConfig } from './config.js';
