// Installs a Debian package with apt-get when its binary is missing (as root, so a fresh CI
// machine gets it), once per process; tests then run the real program. Cached by the system.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const installing = new Map<string, Promise<string>>();

/** The first existing path of `candidates`, installing `pkg` first when none exists. */
export function installDebianPackage(pkg: string, candidates: readonly string[], log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
  const found = (): string | undefined => candidates.find((p) => existsSync(p));
  let p = installing.get(pkg);
  if (!p) {
    p = (async () => {
      const have = found();
      if (have) return have;
      if (process.getuid?.() !== 0) throw new Error(`${pkg} is not installed and installing it needs root: apt-get install ${pkg}`);
      log(`installing Debian package ${pkg} with apt-get`);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      // waits for a dpkg lock another installer holds instead of failing at once
      const install = (): Promise<unknown> => execFileP('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', pkg], { env, maxBuffer: 64 << 20, timeout: 900_000 });
      try {
        await install();
      } catch {
        await execFileP('apt-get', ['update'], { env, maxBuffer: 64 << 20, timeout: 300_000 });
        await install();
      }
      const bin = found();
      if (!bin) throw new Error(`apt-get install ${pkg} finished but none of ${candidates.join(', ')} exists`);
      return bin;
    })();
    installing.set(pkg, p);
    p.catch(() => installing.delete(pkg));
  }
  return p;
}
