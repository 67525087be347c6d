// Minimal argv parsing: a command, repeatable options, positionals.

export interface ParsedArgs {
  command: string;
  options: Map<string, string[]>;
  flags: Set<string>;
  positionals: string[];
}

const WITH_VALUE = new Set(['--config', '--set', '--signal', '--endpoint', '--region']);
const COMMANDS = new Set(['run', 'validate', 'cat', 'help']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { command: 'run', options: new Map(), flags: new Set(), positionals: [] };
  let i = 0;
  if (argv[0] !== undefined && COMMANDS.has(argv[0])) {
    out.command = argv[0];
    i = 1;
  }
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (WITH_VALUE.has(name)) {
        const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (value === undefined) throw new Error(`${name} needs a value`);
        const list = out.options.get(name) ?? [];
        list.push(value);
        out.options.set(name, list);
      } else {
        out.flags.add(name);
      }
    } else if (a === '-h') {
      out.flags.add('--help');
    } else if (a === '-v') {
      out.flags.add('--version');
    } else {
      out.positionals.push(a);
    }
  }
  return out;
}

export function option(args: ParsedArgs, name: string): string | undefined {
  const v = args.options.get(name);
  return v?.[v.length - 1];
}
