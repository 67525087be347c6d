// Writes each batch as one object under the awss3exporter's key layout, atomically:
// temp file, fsync, rename, fsync of the directory (write-durably.ts). A reader never sees a
// partial file.
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Batch, CreateContext, Exporter, ExportResult } from '../../src/component.js';
import { SUCCESS } from '../../src/component.js';
import { compressedBatch } from '../../src/compression/batch-cache.js';
import { objectKey } from '../../src/storage/object-key.js';
import { SENT_BY_SIGNAL } from '../../src/telemetry/metrics.js';
import type { FileExporterConfig } from './config.js';
import { writeDurably } from './write-durably.js';

// Filesystem trouble (full disk, a missing mount, permissions) is usually fixed by an operator
// without restarting us: retry, except for errors a retry cannot change.
const PERMANENT_CODES = new Set(['ENAMETOOLONG', 'EINVAL', 'ERR_INVALID_ARG_TYPE']);

export class FileExporter implements Exporter {
  private readonly madeDirs = new Set<string>();
  private tmpSeq = 0;

  constructor(
    private readonly cfg: FileExporterConfig,
    private readonly ctx: CreateContext,
    private readonly now: () => number = Date.now,
  ) {}

  /** the start's sweep of stale temp files (in the background; tests await it) */
  stale: Promise<number> = Promise.resolve(0);

  private async removeStaleTemps(): Promise<number> {
    const mine = `.tmp-${process.pid}-`;
    let n = 0;
    try {
      for (const e of await readdir(this.cfg.directory, { recursive: true, withFileTypes: true })) {
        if (!e.isFile() || !e.name.startsWith('.tmp-') || e.name.startsWith(mine)) continue;
        await unlink(join(e.parentPath ?? e.path, e.name)).then(() => n++, () => {});
      }
    } catch (e) {
      this.ctx.logger.warn({ err: (e as Error).message }, 'could not look for stale temp files');
    }
    if (n > 0) this.ctx.logger.info({ removed: n }, 'removed temp files a killed run left behind');
    return n;
  }

  async start(): Promise<void> {
    try {
      await mkdir(this.cfg.directory, { recursive: true });
      this.setReady(true);
      // temp files of a run that was killed mid-write: never renamed, never read, removed
      this.stale = this.removeStaleTemps();
    } catch (e) {
      // Not fatal: the directory may be a mount that appears later; exports retry (or spill).
      this.setReady(false, `cannot create ${this.cfg.directory}: ${(e as Error).message}`);
      this.ctx.logger.error({ directory: this.cfg.directory, err: (e as Error).message }, 'file exporter directory unusable');
    }
  }

  private ready: boolean | undefined;

  private setReady(ready: boolean, reason?: string): void {
    if (this.ready === ready) return;
    this.ready = ready;
    this.ctx.health.setReady(this.ctx.id, ready, reason);
  }

  async shutdown(): Promise<void> {}

  async export(batch: Batch): Promise<ExportResult> {
    const started = performance.now();
    const key = objectKey(
      { prefix: '', partitionFormat: this.cfg.partitionFormat, filePrefix: this.cfg.filePrefix, marshaler: 'otlp_proto', compression: this.cfg.compression },
      batch.signal,
      this.now(),
    );
    const path = join(this.cfg.directory, key);
    const body = compressedBatch(batch, this.cfg.compression, this.cfg.compressionLevel);
    const dir = dirname(path);
    const tmp = join(dir, `.tmp-${process.pid}-${++this.tmpSeq}`);
    try {
      if (!this.madeDirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      await writeDurably(tmp, path, body, this.cfg.fsync);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      const err = e as NodeJS.ErrnoException;
      this.madeDirs.delete(dir);
      this.setReady(false, `writing ${path}: ${err.message}`);
      return PERMANENT_CODES.has(err.code ?? '') ? { outcome: 'failure', error: err } : { outcome: 'retryable', error: err };
    }
    this.setReady(true);
    const labels = { exporter: this.ctx.id, signal: batch.signal };
    this.ctx.metrics.inc('atc_exporter_sent_batches_total', labels);
    this.ctx.metrics.inc('atc_exporter_sent_bytes_total', labels, body.length);
    this.ctx.metrics.inc(SENT_BY_SIGNAL[batch.signal], { exporter: this.ctx.id }, batch.items);
    this.ctx.metrics.observe('atc_exporter_send_latency_seconds', labels, (performance.now() - started) / 1000);
    if (body.length > 0) this.ctx.metrics.set('atc_exporter_compression_ratio', labels, batch.data.length / body.length);
    return SUCCESS;
  }
}
