// Components whose module pulls in a large SDK (the AWS SDK, kafkajs, @grpc/grpc-js) load it
// at start(), not when the component registry is imported. Every thread (main and flush
// worker) imports every factory, so a collector that configures no S3 exporter would
// otherwise hold the AWS SDK in memory twice: ~20-50 MiB of resident memory per SDK and thread.
import type { Batch, Exporter, ExportResult, Receiver } from '../component.js';

export class LazyExporter implements Exporter {
  private inner: Exporter | undefined;

  constructor(private readonly load: () => Promise<Exporter>) {}

  async start(): Promise<void> {
    this.inner ??= await this.load();
    await this.inner.start();
  }

  export(batch: Batch): Promise<ExportResult> {
    if (!this.inner) return Promise.resolve({ outcome: 'failure', error: new Error('exporter used before start()') });
    return this.inner.export(batch);
  }

  async shutdown(): Promise<void> {
    await this.inner?.shutdown();
  }
}

export class LazyReceiver implements Receiver {
  private inner: Receiver | undefined;

  constructor(private readonly load: () => Promise<Receiver>) {}

  async start(): Promise<void> {
    this.inner ??= await this.load();
    await this.inner.start();
  }

  async shutdown(): Promise<void> {
    await this.inner?.shutdown();
  }

  forceClose(): void {
    this.inner?.forceClose?.();
  }
}
