import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `config/default.yaml` in the working directory, else the one shipped with the package. */
export function defaultConfigPath(): string {
  const local = 'config/default.yaml';
  if (existsSync(local)) return local;
  return fileURLToPath(new URL('../../../config/default.yaml', import.meta.url));
}
