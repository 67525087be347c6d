// Collects every config problem with its key path, so `validate` can list them all at once.

export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

export class ConfigErrors {
  readonly list: ConfigProblem[] = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  toString(): string {
    return this.list.map((e) => `${e.path}: ${e.message}`).join('\n');
  }
}

export class ConfigError extends Error {
  constructor(readonly errors: readonly ConfigProblem[]) {
    super(`invalid configuration:\n${errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Join a parent key path and a child key or index. */
export function keyPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}
