// `npm run bench`: every benchmark, tables printed one after another.
import { ingestBench } from './otlp-http-ingest.js';
import { ringBench } from './ring-throughput.js';
import { fusionBench } from './fusion.js';
import { kafkaBench } from './kafka-ingest.js';

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
await ringBench();
await ingestBench();
await fusionBench();
await kafkaBench();
