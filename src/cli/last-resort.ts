// The process-wide last resort for an exception or rejection nothing else caught. Receivers
// confine a failure to the one item it came from (a scrape, a file, a line, a request) and a
// test checks that hostile input never reaches this path. If something does, the process state
// is unknown: log it once with its stack, try an orderly shutdown within `graceMs` (receivers
// stop, the ring drains to the exporters) and exit 70 (EX_SOFTWARE) so a supervisor restarts a
// clean process.
import type { Logger } from 'pino';

export const LAST_RESORT_EXIT_CODE = 70;

export function installLastResort(logger: Logger, shutdown: () => Promise<void>, graceMs = 5000): void {
  let fired = false;
  const fail = (kind: string, e: unknown): void => {
    const err = e instanceof Error ? { message: e.message, stack: e.stack } : { message: String(e) };
    logger.fatal({ kind, err }, fired ? 'another uncaught error while exiting' : 'uncaught error reached the last resort; shutting down and exiting');
    if (fired) return;
    fired = true;
    setTimeout(() => process.exit(LAST_RESORT_EXIT_CODE), graceMs);
    shutdown()
      .catch(() => {})
      .finally(() => process.exit(LAST_RESORT_EXIT_CODE));
  };
  process.on('uncaughtException', (e) => fail('uncaughtException', e));
  process.on('unhandledRejection', (e) => fail('unhandledRejection', e));
}
