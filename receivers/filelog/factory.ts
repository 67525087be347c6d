import type { ReceiverFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, FILELOG_FIELDS, type FilelogConfig } from './config.js';
import { FilelogReceiver } from './filelog-receiver.js';

export const filelogReceiverFactory: ReceiverFactory<FilelogConfig> = {
  type: 'filelog',
  signals: ['logs'],
  createDefaultConfig,
  parseConfig,
  configFields: FILELOG_FIELDS,
  create: (config, next, ctx) => new FilelogReceiver(config, next, ctx),
};
