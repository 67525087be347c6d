// `run`: start the collector and stop it cleanly on SIGTERM/SIGINT; a second signal exits at once.
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/collector-config.js';
import { Service } from '../pipeline/service.js';
import { createLogger } from '../telemetry/logger.js';
import { RecentLogs } from '../telemetry/recent-logs.js';
import { installLastResort } from './last-resort.js';

export async function runCommand(file: string, sets: readonly string[]): Promise<number> {
  let cfg;
  try {
    cfg = loadConfig(file, sets);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${file}: ${e.errors.length} problem${e.errors.length === 1 ? '' : 's'}\n`);
      for (const err of e.errors) process.stderr.write(`  ${err.path}: ${err.message}\n`);
      return 1;
    }
    throw e;
  }
  const recentLogs = new RecentLogs();
  const logger = createLogger(cfg.telemetry.logLevel, {}, (line) => recentLogs.push(line));
  let exitCode = 0;
  let stopping: Promise<void> | undefined;
  let stopped!: () => void;
  const whenStopped = new Promise<void>((resolve) => (stopped = resolve));
  const service = new Service(cfg, {
    logger,
    recentLogs,
    onCrash: (e) => {
      logger.fatal({ err: e.message }, 'flush worker failed; exiting');
      process.exit(70);
    },
  });
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    logger.info({ signal }, 'stopping');
    stopping = service.shutdown().catch((e: Error) => {
      logger.error({ err: e.message }, 'shutdown failed');
      exitCode = 1;
    });
    void stopping.then(stopped);
  };
  installLastResort(logger, () => service.shutdown());
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // from here a signal stops the collector cleanly, whatever the start is doing
  logger.info({ pid: process.pid, shutdownTimeoutMs: cfg.service.shutdownTimeoutMs }, 'starting');
  try {
    await service.start();
  } catch (e) {
    logger.fatal({ err: (e as Error).message }, 'collector failed to start');
    await service.shutdown().catch(() => {});
    return 1;
  }
  // a signal during start: start() returned early and the shutdown is under way
  if (process.send && service.state === 'running') process.send({ type: 'ready', telemetry: service.telemetryAddress, receivers: receiverAddresses(service) });
  // Wait for the shutdown without polling (an idle collector should not wake for nothing);
  // the interval only holds the event loop open should no server or worker do so.
  const keepOpen = setInterval(() => {}, 2 ** 31 - 1);
  await whenStopped;
  clearInterval(keepOpen);
  // Shutdown is complete (or its deadline passed): a handle left open by a library (a socket
  // kafkajs still holds) must not keep the process past the deadline.
  setTimeout(() => process.exit(exitCode), 500).unref();
  return exitCode;
}

function receiverAddresses(service: Service): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, r] of service.receivers) {
    const rr = r as { httpAddress?: () => unknown; grpcAddress?: () => unknown };
    const http = rr.httpAddress?.();
    const grpc = rr.grpcAddress?.();
    if (http || grpc) out[id] = { ...(http ? { http } : {}), ...(grpc ? { grpc } : {}) };
  }
  return out;
}
