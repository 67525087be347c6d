export { fusionProcessorFactory } from './factory.js';
export { FusionProcessor } from './fusion-processor.js';
export type { FusionConfig } from './config.js';
