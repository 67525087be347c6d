// A Node.js 24 binary for tests of features the test suite's Node 20 lacks (reusePort): the
// `node` package from the npm registry, run once through npx (cached after the first call).
import { spawnSync } from 'node:child_process';

let cached: string | undefined;

export function node24(): string {
  if (cached) return cached;
  const r = spawnSync('npx', ['-y', 'node@24', '-p', 'process.execPath'], { encoding: 'utf8', timeout: 180_000 });
  const path = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !path) throw new Error(`npx -y node@24 failed (${r.status}): ${r.stderr}`);
  cached = path;
  return path;
}
