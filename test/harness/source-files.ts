// The .ts files below a path (or the path itself), sorted: what the source-scanning tests read.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function tsFiles(p: string): string[] {
  let st;
  try {
    st = statSync(p);
  } catch {
    return [];
  }
  if (st.isFile()) return p.endsWith('.ts') ? [p] : [];
  return readdirSync(p).sort().flatMap((n) => tsFiles(join(p, n)));
}
