// Top self-time functions of V8 CPU profiles (`node --cpu-prof`), one table per profile
// (each thread writes its own), as shares of the thread's busy time (idle excluded).
//   node dist/bench/cpu-profile-top.js [--top 12] FILE.cpuprofile|DIR...
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { printTable } from './table.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
}

/** Self time per function (name, file, line), milliseconds, largest first; idle excluded. */
export function selfTimes(p: Profile): { busyMs: number; top: SelfTime[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const ms = new Map<string, number>();
  let busy = 0;
  // timeDeltas[i] is the time since the previous sample, so it belongs to sample i - 1
  for (let i = 0; i + 1 < p.samples.length; i++) {
    const f = byId.get(p.samples[i]!)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const d = (p.timeDeltas[i + 1] ?? 0) / 1000;
    busy += d;
    const where = f.url ? ` ${basename(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where}`;
    ms.set(key, (ms.get(key) ?? 0) + d);
  }
  const top = [...ms].map(([name, v]) => ({ name, ms: v })).sort((a, b) => b.ms - a.ms);
  return { busyMs: busy, top };
}

function files(paths: string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith('.cpuprofile'))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
}

if (process.argv[1]?.endsWith('cpu-profile-top.js')) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string' } }, allowPositionals: true });
  const n = Number(values.top ?? 12);
  for (const f of files(positionals)) {
    const { busyMs, top } = selfTimes(JSON.parse(readFileSync(f, 'utf8')) as Profile);
    printTable(
      `${f}: busy ${(busyMs / 1000).toFixed(1)} s`,
      top.slice(0, n).map((t) => ({ function: t.name, 'self ms': t.ms, '% of busy': (100 * t.ms) / busyMs })),
    );
  }
}
