// Entry point of an OTLP/HTTP worker thread: its own server on the receiver's port (the kernel
// spreads connections over the threads' sockets with SO_REUSEPORT), the same request handling
// as the main thread, and writes straight into the shared ring. A 200 is sent only after the
// ring write, as on the main thread; metrics go to the main thread in one message per interval.
import { parentPort, workerData } from 'node:worker_threads';
import type { CreateContext, HttpRouteHandler } from '../../src/component.js';
import { RingConsumer } from '../../src/pipeline/ring-consumer.js';
import { ForwardingSink } from '../../src/telemetry/forwarding-sink.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { OtlpHttpHandler } from './http-handler.js';
import { OtlpHttpServer } from './http-server.js';
import { threadLabel, type FromHttpWorker, type HttpWorkerData, type ToHttpWorker } from './http-worker-messages.js';

const data = workerData as HttpWorkerData;
const port = parentPort!;
const post = (m: FromHttpWorker): void => port.postMessage(m);
const metrics = new ForwardingSink();
const logger = createLogger(data.logLevel, { receiver: data.id, thread: threadLabel(data.thread) });

const sendMetrics = (): void => {
  const ops = metrics.take();
  if (ops.length > 0) post({ type: 'metrics', ops });
};
const metricsTimer = setInterval(sendMetrics, 250);

// Paths other receivers add to the OTLP port (the profiler's /v1/profiler) are served on the
// main thread: here they are refused as retryable with the connection closed, so the client's
// retry comes on a new connection that the kernel may give the main thread.
const otlpPaths = new Set([data.cfg.tracesUrlPath, data.cfg.logsUrlPath, data.cfg.metricsUrlPath]);
const mainThreadOnly: HttpRouteHandler = (req, res) => {
  req.resume();
  res.writeHead(503, { 'retry-after': '1', connection: 'close', 'content-type': 'text/plain' }).end('this path is served by the main thread: retry\n');
};

const ctx: CreateContext = {
  id: data.id,
  logger,
  metrics,
  health: { setReady() {} },
  httpRoutes: { register() {}, get: (path) => (otlpPaths.has(path) ? undefined : mainThreadOnly) },
};
const handler = new OtlpHttpHandler(data.cfg, RingConsumer.attach(data.consumer, metrics), ctx);
const requestLabels = { receiver: data.id, thread: threadLabel(data.thread) };
const server = new OtlpHttpServer(
  data.cfg,
  (req, res) => {
    metrics.inc('atc_receiver_http_thread_requests_total', requestLabels);
    handler.handle(req, res);
  },
  logger,
);

port.on('message', (m: ToHttpWorker) => {
  if (m.type === 'force') return server.forceClose();
  void server.shutdown().then(() => {
    clearInterval(metricsTimer);
    sendMetrics();
    post({ type: 'closed' });
    port.close();
  });
});

server.listen(data.host, data.port, true).then(
  () => post({ type: 'listening' }),
  (e: Error) => {
    clearInterval(metricsTimer);
    post({ type: 'fatal', message: `cannot listen on ${data.host}:${data.port}: ${e.message}` });
    port.close();
  },
);
