#!/usr/bin/env node
// ai-trace-collector command line: run (default), validate, cat, --version, --help.
import { parseArgs, option } from './cli/args.js';
import { catPaths } from './cli/cat.js';
import { defaultConfigPath } from './cli/default-config.js';
import { checkNodeVersion } from './cli/node-version.js';
import { runCommand } from './cli/run.js';
import { validateCommand } from './cli/validate.js';
import type { Signal } from './component.js';
import { VERSION } from './version.js';

const HELP = `ai-trace-collector ${VERSION}: an OpenTelemetry collector for GPU inference and training nodes

Usage:
  ai-trace-collector [run] [--config FILE] [--set key.path=value]...
  ai-trace-collector validate [--config FILE] [--set key.path=value]...
  ai-trace-collector cat [--signal traces|logs|metrics] [--endpoint URL] [--region R] PATH|s3://bucket/prefix...
  ai-trace-collector --version | --help

Commands:
  run        start the collector (default). FILE defaults to config/default.yaml.
  validate   check a config: exit 0, or 1 listing every problem with its key path.
  cat        decode stored batch files, directories or s3:// prefixes (zstd, gzip, snappy
             or none) to OTLP/JSON, one request per line.

Options:
  --config FILE           YAML config in the OpenTelemetry Collector's shape
  --set key.path=value    override one config value (repeatable), e.g.
                          --set exporters.file.directory=/var/lib/atc
  --signal SIGNAL         for cat: the signal when the file name does not tell
  --endpoint URL          for cat s3://…: an S3-compatible endpoint (MinIO…); credentials come
                          from the AWS SDK's default chain (AWS_ACCESS_KEY_ID…, profile, IRSA)
  --region REGION         for cat s3://…
`;

async function main(argv: string[]): Promise<number> {
  checkNodeVersion();
  let args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.flags.has('--version')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (args.flags.has('--help') || args.command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const unknown = [...args.flags].filter((f) => !['--version', '--help'].includes(f));
  if (unknown.length > 0) {
    process.stderr.write(`unknown option ${unknown[0]}\n\n${HELP}`);
    return 2;
  }
  const config = option(args, '--config') ?? defaultConfigPath();
  const sets = args.options.get('--set') ?? [];
  switch (args.command) {
    case 'validate':
      return validateCommand(config, sets);
    case 'cat': {
      if (args.positionals.length === 0) {
        process.stderr.write('cat needs at least one PATH\n');
        return 2;
      }
      const signal = option(args, '--signal');
      if (signal !== undefined && !['traces', 'logs', 'metrics'].includes(signal)) {
        process.stderr.write('--signal must be traces, logs or metrics\n');
        return 2;
      }
      const endpoint = option(args, '--endpoint');
      const region = option(args, '--region');
      const failures = await catPaths(args.positionals, {
        out: process.stdout,
        ...(signal ? { signal: signal as Signal } : {}),
        ...(endpoint ? { endpoint } : {}),
        ...(region ? { region } : {}),
      });
      return failures > 0 ? 1 : 0;
    }
    default:
      if (args.positionals.length > 0) {
        process.stderr.write(`unexpected argument ${args.positionals[0]}\n\n${HELP}`);
        return 2;
      }
      return runCommand(config, sets);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    process.stderr.write(`${e.stack ?? e.message}\n`);
    process.exitCode = 1;
  },
);
