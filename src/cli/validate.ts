// `validate --config FILE`: exit 0, or 1 listing every problem with its key path.
import { checkCollectorConfig } from '../config/collector-config.js';
import { loadRawConfig } from '../config/load.js';

export function validateCommand(file: string, sets: readonly string[]): number {
  const { raw, errors } = loadRawConfig(file, sets);
  if (errors.empty) checkCollectorConfig(raw, errors);
  if (errors.empty) {
    process.stdout.write(`${file}: valid\n`);
    return 0;
  }
  process.stderr.write(`${file}: ${errors.list.length} problem${errors.list.length === 1 ? '' : 's'}\n`);
  for (const e of errors.list) process.stderr.write(`  ${e.path}: ${e.message}\n`);
  return 1;
}
