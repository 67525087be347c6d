// gRPC wire helpers against PROTOCOL-HTTP2.md: grpc-timeout units, grpc-message
// percent-encoding, content types, the message prefix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameMessage, isGrpcProto, parseTimeout, percentEncode, statusName } from '../../../receivers/otlp/grpc-wire.js';

test('grpc-timeout: every unit, 8 digits at most, malformed is no deadline', () => {
  assert.equal(parseTimeout('2H'), 7_200_000);
  assert.equal(parseTimeout('3M'), 180_000);
  assert.equal(parseTimeout('10S'), 10_000);
  assert.equal(parseTimeout('150m'), 150);
  assert.equal(parseTimeout('2500u'), 2.5);
  assert.equal(parseTimeout('3000000n'), 3);
  assert.equal(parseTimeout('99999999m'), 99_999_999);
  for (const bad of [undefined, '', 'm', '123456789m', '10x', '-1S', '1.5S', 'S10']) assert.equal(parseTimeout(bad), undefined, String(bad));
});

test('grpc-message: printable ASCII stays, % and everything else is %XX of the UTF-8 bytes', () => {
  assert.equal(percentEncode('ring full; retry later'), 'ring full; retry later');
  assert.equal(percentEncode('100% ✓\n'), '100%25 %E2%9C%93%0A');
  assert.equal(decodeURIComponent(percentEncode('pod ✓ 50%')), 'pod ✓ 50%');
});

test('content types served, the 5-byte prefix, status names as grpc-js spelled them', () => {
  assert.ok(isGrpcProto('application/grpc'));
  assert.ok(isGrpcProto('application/grpc+proto'));
  assert.ok(isGrpcProto('application/grpc;charset=utf-8'));
  for (const no of [undefined, 'application/grpc+json', 'application/grpc-web', 'application/json', 'application/grpcx']) assert.ok(!isGrpcProto(no), String(no));
  assert.deepEqual([...frameMessage(Buffer.from([7, 8, 9]))], [0, 0, 0, 0, 3, 7, 8, 9]);
  assert.deepEqual([0, 1, 3, 4, 8, 12, 16].map(statusName), ['OK', 'CANCELLED', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'UNIMPLEMENTED', 'UNAUTHENTICATED']);
});
