// Command-line parsing on node:util parseArgs, strict: each command takes only its own
// options, and anything else is a usage error (exit 2) with a one-line message.
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';
import type { Signal } from '../component.js';

export type Command = 'run' | 'validate' | 'cat' | 'help';

export interface ParsedArgs {
  command: Command;
  help: boolean;
  version: boolean;
  config: string | undefined;
  sets: string[];
  signal: Signal | undefined;
  endpoint: string | undefined;
  region: string | undefined;
  positionals: string[];
}

/** A mistake in the command line: printed as one line, exit status 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
};
const CONFIG: Options = {
  config: { type: 'string', short: 'c' },
  set: { type: 'string', multiple: true },
};
const OPTIONS: Record<Command, Options> = {
  run: { ...COMMON, ...CONFIG },
  validate: { ...COMMON, ...CONFIG },
  cat: { ...COMMON, signal: { type: 'string' }, endpoint: { type: 'string' }, region: { type: 'string' } },
  help: COMMON,
};
const COMMANDS = Object.keys(OPTIONS) as Command[];
const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const first = argv[0];
  let command: Command = 'run';
  let rest = argv;
  if (first !== undefined && !first.startsWith('-')) {
    if (!(COMMANDS as string[]).includes(first)) throw new UsageError(`unknown command "${first}" (commands: run, validate, cat)`);
    command = first as Command;
    rest = argv.slice(1);
  }
  let parsed;
  try {
    parsed = nodeParseArgs({ args: [...rest], options: OPTIONS[command], strict: true, allowPositionals: command === 'cat' });
  } catch (e) {
    throw new UsageError(usageMessage(command, e as Error & { code?: string }));
  }
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const last = (name: string): string | undefined => {
    const x = v[name];
    return typeof x === 'string' ? x : undefined;
  };
  const signal = last('signal');
  if (signal !== undefined && !(SIGNALS as string[]).includes(signal)) throw new UsageError(`--signal must be traces, logs or metrics, got "${signal}"`);
  return {
    command,
    help: v['help'] === true,
    version: v['version'] === true,
    config: last('config'),
    sets: (v['set'] as string[] | undefined) ?? [],
    signal: signal as Signal | undefined,
    endpoint: last('endpoint'),
    region: last('region'),
    positionals: parsed.positionals,
  };
}

/** parseArgs' messages are long and name the API; ours name the command and the option. */
function usageMessage(command: Command, e: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? '';
  const where = command === 'run' ? '' : `${command}: `;
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const known = Object.keys(OPTIONS[command]).map((o) => `--${o}`);
      return `${where}unknown option ${quoted} (${command} takes ${known.join(', ')})`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${where}${/--[a-z-]+/.exec(quoted)?.[0] ?? quoted} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `${where}unexpected argument "${quoted}"`;
    default:
      return `${where}${e.message.split('\n')[0]}`;
  }
}
