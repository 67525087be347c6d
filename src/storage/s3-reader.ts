// Lists and fetches stored batches under s3://bucket/prefix, for `cat s3://…` and tests.
// Objects come back as stored (compressed); `decodeObject(key, body)` from the cat command
// turns each into OTLP/JSON, since the key's extension says how it was written.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client, type S3ClientOptions } from './s3-client.js';

export interface S3Location {
  readonly bucket: string;
  /** a key prefix, matched literally as S3 does ('' = the whole bucket) */
  readonly prefix: string;
}

/** `s3://bucket[/prefix]` → its parts; throws with a usable message otherwise. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m || !m[1]) throw new Error(`not an S3 URL: "${url}" (expected s3://bucket/prefix)`);
  return { bucket: m[1], prefix: m[2] ?? '' };
}

export function isS3Url(s: string): boolean {
  return s.startsWith('s3://');
}

export interface S3ReaderOptions extends S3ClientOptions {
  /** use this client instead of building one (the caller destroys it) */
  client?: S3Client;
  /** stop after this many objects */
  limit?: number;
  /** keys per list request (S3's maximum and default: 1000) */
  pageSize?: number;
  /** refuse objects larger than this many stored bytes (default 1 GiB) */
  maxObjectBytes?: number;
}

export interface S3ObjectInfo {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly lastModified?: Date;
}

export interface S3StoredObject extends S3ObjectInfo {
  /** the bytes as stored (compressed as the key's extension and Content-Encoding say) */
  readonly body: Uint8Array;
  readonly contentType?: string;
  readonly contentEncoding?: string;
}

/**
 * The client a reader uses: the default credential chain unless given, and path-style
 * addressing when an endpoint is given (MinIO and most self-hosted servers need it).
 */
export function readerClient(o: S3ReaderOptions): S3Client {
  if (o.client) return o.client;
  return createS3Client({ ...o, forcePathStyle: o.forcePathStyle ?? Boolean(o.endpoint) });
}

/** Keys under the location, in key order (which is time order for our layout). */
export async function* listS3Objects(loc: S3Location | string, o: S3ReaderOptions = {}): AsyncGenerator<S3ObjectInfo> {
  const { bucket, prefix } = typeof loc === 'string' ? parseS3Url(loc) : loc;
  const client = readerClient(o);
  let token: string | undefined;
  let n = 0;
  try {
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(o.pageSize ? { MaxKeys: o.pageSize } : {}), ...(token ? { ContinuationToken: token } : {}) }));
      for (const c of page.Contents ?? []) {
        if (!c.Key || c.Key.endsWith('/')) continue; // folder markers made by consoles
        yield { bucket, key: c.Key, size: c.Size ?? 0, ...(c.LastModified ? { lastModified: c.LastModified } : {}) };
        if (o.limit !== undefined && ++n >= o.limit) return;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    if (!o.client) client.destroy();
  }
}

export async function getS3Object(client: S3Client, bucket: string, key: string, maxBytes = 1024 ** 3): Promise<S3StoredObject> {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const size = res.ContentLength ?? 0;
  if (size > maxBytes) {
    res.Body?.transformToWebStream().cancel().catch(() => {});
    throw new Error(`s3://${bucket}/${key}: ${size} bytes, over the ${maxBytes}-byte limit`);
  }
  const body = res.Body ? await res.Body.transformToByteArray() : new Uint8Array(0);
  return {
    bucket,
    key,
    size: body.length,
    body,
    ...(res.LastModified ? { lastModified: res.LastModified } : {}),
    ...(res.ContentType ? { contentType: res.ContentType } : {}),
    ...(res.ContentEncoding ? { contentEncoding: res.ContentEncoding } : {}),
  };
}

/** Every object under the location, fetched one at a time in key order. */
export async function* readS3Objects(loc: S3Location | string, o: S3ReaderOptions = {}): AsyncGenerator<S3StoredObject> {
  const client = readerClient(o);
  try {
    for await (const info of listS3Objects(loc, { ...o, client })) {
      yield await getS3Object(client, info.bucket, info.key, o.maxObjectBytes);
    }
  } finally {
    if (!o.client) client.destroy();
  }
}
