// `npm run bench`: every benchmark, tables printed one after another.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ingestBench } from './otlp-http-ingest.js';
import { ringBench } from './ring-throughput.js';
import { sharedCopyBench } from './shared-copy.js';
import { fusionBench } from './fusion.js';
import { kafkaBench } from './kafka-ingest.js';
import { grpcBench } from './otlp-grpc-ingest.js';
import { filelogBench } from './filelog-tail.js';
import { gpuReceiversBench } from './gpu-receivers.js';
import { scannerBench } from './scanner.js';
import { sideBySideBench } from './side-by-side/index.js';
import { zstdLevelsBench } from './zstd-levels.js';

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
scannerBench();
await ringBench();
sharedCopyBench();
await ingestBench();
await fusionBench();
await kafkaBench();
await grpcBench();
await filelogBench();
await gpuReceiversBench();
zstdLevelsBench();
// these run as scripts (their own argument parsing and servers)
for (const script of ['prometheus-parse.js', 'filelog-records.js', 's3-put.js']) {
  execFileSync(process.execPath, [fileURLToPath(new URL(`./${script}`, import.meta.url))], { stdio: 'inherit' });
}
// last: it builds the OpenTelemetry Collector on first use (minutes) and takes ~10 min
await sideBySideBench();
