// CPU time of a Node process by kind of thread, from /proc/<pid>/task/<tid>/{comm,stat}: which
// thread is the bottleneck (the main thread, the flush worker, receiver worker threads).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function taskCpuSeconds(pid: number, tid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime, fields 14 and 15 of stat(5)
  // ATC_BENCH_THREADS=sys: kernel time only (a per-wake-up cost shows there)
  if (process.env['ATC_BENCH_THREADS'] === 'sys') return Number(fields[12]) / TICKS;
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/**
 * CPU seconds per kind of thread: `main`, `flush` (the first worker thread ours starts),
 * `receiver workers` (the later ones), `V8 helpers` (GC, compiler), `libuv pool`, `other`.
 */
export function threadCpuSeconds(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let workers = 0;
  const tids = readdirSync(`/proc/${pid}/task`).map(Number).sort((a, b) => a - b);
  for (const tid of tids) {
    let comm: string;
    let cpu: number;
    try {
      comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      cpu = taskCpuSeconds(pid, tid);
    } catch {
      continue; // the thread ended meanwhile
    }
    // Node 20 names every thread `node`: tell them apart by start order (the first is main)
    if (comm === 'node') comm = tid === pid ? 'MainThread' : `node-${tid - pid}`;
    const kind = comm === 'MainThread' ? 'main' : comm === 'WorkerThread' ? (workers++ === 0 ? 'flush' : 'receiver workers') : comm.startsWith('V8') || comm.startsWith('DelayedTask') ? 'V8 helpers' : comm.startsWith('libuv') ? 'libuv pool' : process.env['ATC_BENCH_THREADS'] ? comm : 'other';
    out[kind] = (out[kind] ?? 0) + cpu;
  }
  return out;
}
