// Raw OTLP/gRPC clients with pass-through serializers, for receiver tests.
import { credentials, Metadata, makeGenericClientConstructor, type ServiceError, type Client } from '@grpc/grpc-js';
import { GRPC_SERVICES } from '../../../receivers/otlp/grpc-server.js';
import type { Signal } from '../../../src/component.js';

const identity = (b: Buffer): Buffer => b;
export type RawClient = Client & { Export(req: Buffer, md: Metadata, cb: (err: ServiceError | null, res?: Buffer) => void): void };

export function rawClient(signal: Signal, port: number, opts: Record<string, unknown> = {}, creds = credentials.createInsecure()): RawClient {
  const Ctor = makeGenericClientConstructor(
    { Export: { path: GRPC_SERVICES[signal].path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    GRPC_SERVICES[signal].service,
  );
  return new Ctor(`127.0.0.1:${port}`, creds, opts) as unknown as RawClient;
}

export function exportRaw(client: RawClient, body: Buffer, md = new Metadata()): Promise<{ err: ServiceError | null; res: Buffer | undefined }> {
  return new Promise((resolve) => client.Export(body, md, (err, res) => resolve({ err, res })));
}

