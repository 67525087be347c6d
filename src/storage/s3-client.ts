// One place that builds S3 clients (the exporter, `cat s3://…`, the benchmark) and classifies
// their errors, so that all of them treat endpoints, regions and failures the same way.
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

export type S3Credentials = NonNullable<S3ClientConfig['credentials']>;

export interface S3ClientOptions {
  /** '' or undefined = AWS_REGION / AWS_DEFAULT_REGION, else us-east-1 */
  region?: string;
  /** '' or undefined = AWS; else an http(s) URL, or host:port (taken as http://) */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** undefined = the SDK's default chain: env, profile, web identity (IRSA), ECS, IMDS */
  credentials?: S3Credentials;
  /** per request; also bounds the connection attempt */
  timeoutMs?: number;
  /** SDK-level attempts; the exporter uses 1 and retries itself so retries are counted once */
  maxAttempts?: number;
}

export function resolveRegion(region?: string): string {
  return region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
}

/** `host:port` → `http://host:port`; URLs unchanged. */
export function normalizeEndpoint(endpoint: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `http://${endpoint}`;
}

export function createS3Client(o: S3ClientOptions): S3Client {
  const timeoutMs = o.timeoutMs ?? 30_000;
  return new S3Client({
    region: resolveRegion(o.region),
    ...(o.endpoint ? { endpoint: normalizeEndpoint(o.endpoint) } : {}),
    forcePathStyle: o.forcePathStyle ?? false,
    ...(o.credentials ? { credentials: o.credentials } : {}),
    maxAttempts: o.maxAttempts ?? 3,
    // A wrong region on AWS answers 301: let the SDK find the bucket's region itself.
    followRegionRedirects: true,
    requestHandler: { connectionTimeout: Math.min(timeoutMs, 10_000), requestTimeout: timeoutMs },
  });
}

/** What an S3 error means for the caller. */
export interface S3ErrorInfo {
  readonly retryable: boolean;
  /** S3 error code (NoSuchBucket, SlowDown …), HTTP-derived name, or a Node error code */
  readonly code: string;
  readonly status?: number;
  readonly message: string;
  readonly retryAfterMs?: number;
}

const RETRYABLE_CODES = new Set([
  'SlowDown', 'RequestTimeout', 'RequestTimeTooSkewed', 'InternalError', 'ServiceUnavailable',
  'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException',
  'OperationAborted', 'Timeout', 'TimeoutError', 'AbortError', 'XMinioServerNotInitialized',
  // MinIO answers a request it drops while shutting down with 499 ClientDisconnected
  'ClientDisconnected',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  $response?: { headers?: Record<string, string | undefined> };
}

/**
 * Throttling (503 SlowDown, 429), 5xx, timeouts and connection errors are retryable; other
 * answers (403 AccessDenied, 404 NoSuchBucket, 400 InvalidStorageClass …) are not.
 */
export function classifyS3Error(err: unknown): S3ErrorInfo {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  let code = e.Code ?? (e.name && e.name !== 'Error' && e.name !== 'S3ServiceException' ? e.name : undefined) ?? e.code ?? 'Error';
  // HeadBucket has no body, so the SDK only has the status to go on.
  if (code === 'NotFound' || code === 'UnknownError' || code === 'Unknown') code = status === 404 ? 'NotFound' : status === 403 ? 'Forbidden' : code;
  const rawMsg = e.message && e.message !== 'UnknownError' ? e.message : '';
  const message = `${code}${rawMsg && rawMsg !== code ? `: ${rawMsg}` : ''}${status ? ` (HTTP ${status})` : ''}`;
  const retryAfter = Number(e.$response?.headers?.['retry-after']);
  const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
  const base = { code, message, ...(status !== undefined ? { status } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };

  if (code === 'CredentialsProviderError') return { ...base, retryable: false };
  if (status !== undefined) {
    // 499: the server gave up on the request mid-stream (MinIO, proxies), nothing was stored
    const retryable = status === 429 || status === 499 || status >= 500 || RETRYABLE_CODES.has(code);
    return { ...base, retryable };
  }
  // No HTTP answer: refused, reset, DNS, socket timeout, our abort on `timeout`.
  if (RETRYABLE_CODES.has(code) || typeof e.code === 'string' || e.$retryable !== undefined) return { ...base, retryable: true };
  return { ...base, retryable: false };
}
