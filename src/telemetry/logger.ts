// The collector's own logs: pino JSON lines on stdout. `onWarn` also gets every warn/error line
// (the status page's recent warnings and errors).
import { pino, type Logger } from 'pino';

export function createLogger(level: string, bindings: Record<string, unknown> = {}, onWarn?: (line: string) => void): Logger {
  const opts = { level, base: { ...bindings }, timestamp: pino.stdTimeFunctions.isoTime };
  if (!onWarn || level === 'silent') return pino(opts);
  const streams = pino.multistream([
    { level: level as pino.Level, stream: pino.destination(1) },
    { level: 'warn', stream: { write: (line: string) => onWarn(line) } },
  ]);
  return pino(opts, streams);
}
