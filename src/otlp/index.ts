export { scanRequest, countItems, ScanError } from './scanner.js';
export { encodeRequest, encodeMessage, JsonShapeError } from './json-encode.js';
export { decodeRequest, decodeMessage, type JsonObject, type JsonValue } from './proto-decode.js';
export { parseOtlpJson } from './json-text.js';
export { REQUEST_MESSAGE, RESPONSE_MESSAGE, REJECTED_FIELD } from './schema.js';
