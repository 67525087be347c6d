export { fusionConnectorFactory } from './factory.js';
export { FusionConnector } from './fusion-connector.js';
export type { FusionConfig } from './config.js';
