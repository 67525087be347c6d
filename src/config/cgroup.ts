// The container's memory limit from cgroup v2 (memory.max) or v1 (memory.limit_in_bytes).
import { readFileSync } from 'node:fs';

export function cgroupMemoryLimit(): number {
  for (const p of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const v = readFileSync(p, 'utf8').trim();
      if (v === 'max') return 0;
      const n = Number(v);
      // v1 reports a huge number when unlimited
      if (Number.isFinite(n) && n > 0 && n < 2 ** 60) return n;
    } catch {
      // not in a cgroup with a memory controller
    }
  }
  return 0;
}
