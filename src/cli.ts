#!/usr/bin/env node
// ai-trace-collector command line: run (default), validate, cat, --version, --help.
import { parseArgs, UsageError } from './cli/args.js';
import { catPaths } from './cli/cat.js';
import { defaultConfigPath } from './cli/default-config.js';
import { checkNodeVersion } from './cli/node-version.js';
import { runCommand } from './cli/run.js';
import { validateCommand } from './cli/validate.js';
import { VERSION } from './version.js';

const HELP = `ai-trace-collector ${VERSION}: an OpenTelemetry collector for GPU inference and training nodes

Usage:
  ai-trace-collector [run] [-c|--config FILE] [--set key.path=value]...
  ai-trace-collector validate [-c|--config FILE] [--set key.path=value]...
  ai-trace-collector cat [--signal traces|logs|metrics] [--endpoint URL] [--region R] PATH|s3://bucket/prefix...
  ai-trace-collector --version | --help

Commands:
  run        start the collector (default). FILE defaults to config/default.yaml.
  validate   check a config: exit 0, or 1 listing every problem with its key path.
  cat        decode stored batch files, directories or s3:// prefixes (zstd, gzip, snappy
             or none) to OTLP/JSON, one request per line.

Options:
  -c, --config FILE       YAML config in the OpenTelemetry Collector's shape (run, validate)
  --set key.path=value    override one config value (repeatable; run, validate), e.g.
                          --set exporters.file.directory=/var/lib/atc
  --signal SIGNAL         for cat: only files of this signal (by their name: traces_, logs_,
                          metrics_); the signal of files whose name does not tell
  --endpoint URL          for cat s3://…: an S3-compatible endpoint (MinIO…); credentials come
                          from the AWS SDK's default chain (AWS_ACCESS_KEY_ID…, profile, IRSA)
  --region REGION         for cat s3://…
  -h, --help / -v, --version

Exit status: 0 success; 1 an invalid config, a failed start or an unreadable file (one line
each on stderr); 2 a mistake in the command line (an unknown option, an option of another
command, a missing value).
`;

async function main(argv: string[]): Promise<number> {
  checkNodeVersion();
  let args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`ai-trace-collector: ${e.message}; see --help\n`);
    return 2;
  }
  if (args.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (args.help || args.command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const config = args.config ?? defaultConfigPath();
  switch (args.command) {
    case 'validate':
      return validateCommand(config, args.sets);
    case 'cat': {
      if (args.positionals.length === 0) {
        process.stderr.write('ai-trace-collector: cat needs at least one PATH; see --help\n');
        return 2;
      }
      quietOnEpipe(process.stdout);
      const failures = await catPaths(args.positionals, {
        out: process.stdout,
        ...(args.signal ? { signal: args.signal } : {}),
        ...(args.endpoint ? { endpoint: args.endpoint } : {}),
        ...(args.region ? { region: args.region } : {}),
      });
      return failures > 0 ? 1 : 0;
    }
    default:
      return runCommand(config, args.sets);
  }
}

/** `cat … | head`: the reader went away; stop quietly, as Unix tools do. */
function quietOnEpipe(out: NodeJS.WriteStream): void {
  out.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    process.stderr.write(`ai-trace-collector: stdout: ${e.message}\n`);
    process.exit(1);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    // Every expected failure is reported by the command itself; this is a bug, so keep the stack.
    process.stderr.write(`${e.stack ?? e.message}\n`);
    process.exitCode = 1;
  },
);
