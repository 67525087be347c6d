// classifyS3Error decides whether a failed PUT is retried or its batch counted as failed: a
// transient answer classified as permanent loses acknowledged data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyS3Error } from '../../../src/storage/s3-client.js';

/** An error shaped as the AWS SDK v3 builds it from an S3 error response. */
function sdkError(name: string, status: number, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

test('MinIO stopping mid-request (499 ClientDisconnected, seen from a real MinIO in the outage test) is retryable', () => {
  const info = classifyS3Error(sdkError('ClientDisconnected', 499, 'Client disconnected before response was ready'));
  assert.equal(info.retryable, true);
  assert.equal(info.code, 'ClientDisconnected');
  assert.equal(info.status, 499);
  // the status alone decides when the code is one we do not know
  assert.equal(classifyS3Error(sdkError('SomethingNew', 499, 'x')).retryable, true);
});

test('permanent answers stay permanent; throttling and 5xx stay retryable', () => {
  assert.equal(classifyS3Error(sdkError('AccessDenied', 403, 'Access Denied.')).retryable, false);
  assert.equal(classifyS3Error(sdkError('NoSuchBucket', 404, 'The specified bucket does not exist')).retryable, false);
  assert.equal(classifyS3Error(sdkError('InvalidStorageClass', 400, 'bad class')).retryable, false);
  assert.equal(classifyS3Error(sdkError('SlowDown', 503, 'Please reduce your request rate.')).retryable, true);
  assert.equal(classifyS3Error(sdkError('InternalError', 500, 'We encountered an internal error.')).retryable, true);
  assert.equal(classifyS3Error(sdkError('TooManyRequests', 429, 'slow down')).retryable, true);
});
