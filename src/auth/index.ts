export { parseAuth, parseTls, AUTH_KEYS, TLS_KEYS, type AuthConfig, type TlsConfig } from './config.js';
export { BearerAuth, AuthSetupError } from './bearer.js';
export { loadTls, serverTlsOptions, TlsSetupError, type TlsMaterial } from './tls.js';
export { Cors, parseCors, CORS_KEYS, type CorsConfig } from './cors.js';
