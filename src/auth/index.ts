export { parseAuth, parseTls, AUTH_FIELDS, TLS_FIELDS, type AuthConfig, type TlsConfig } from './config.js';
export { BearerAuth, AuthSetupError } from './bearer.js';
export { loadTls, serverTlsOptions, TlsSetupError, type TlsMaterial } from './tls.js';
export { Cors, parseCors, CORS_FIELDS, type CorsConfig } from './cors.js';
