// A generated fleet for fusion tests: three nodes (two with our NVML receiver, one with
// dcgm-exporter scraped by the gateway), colliding pids, LLM requests of 0.1–15 s whose spans
// arrive at their end plus the SDK's batch delay while their logs are tailed at once, late
// logs, logs whose spans never come, and every GPU event kind. Everything a test expects is
// computed from this description, never from fusion's output.

import { rng } from '../../harness/prng.js';

export const BASE_MS = 1_790_000_000_000;
/** ms since the scenario's start (fractions allowed) as ns since the epoch */
export const ns = (ms: number): string => String(BigInt(BASE_MS) * 1_000_000n + BigInt(Math.round(ms * 1e6)));

export interface GpuDef { node: string; index: number; uuid: string; name: string; totalBytes: number }
export interface ProcessDef { node: string; pid: number; gpu: GpuDef; nvml: boolean }
export interface SpanDef { id: string; parent: string | undefined; name: string; start: number; end: number; arrive: number; status?: { code: number; message?: string } }
export interface LogDef { trace: string; span: string; time: number; arrive: number; body: string; attrs: Record<string, string | number>; late: boolean }
export interface RequestDef { trace: string; proc: ProcessDef; spans: SpanDef[]; logs: LogDef[] }
export interface EventDef { node: string; gpu: GpuDef; time: number; kind: string; xid?: number; via: 'nvml' | 'dcgm' }
export interface Sample { gpu: GpuDef; time: number; util: number; usedBytes: number; temp: number; memTemp: number; power: number; throttle: number; xid: number }

export const SDK_BATCH_DELAY_MS = 5000;
export const NODES = ['node-a', 'node-b', 'node-c'] as const;
export const H100 = 'NVIDIA H100 80GB HBM3';
const MIB = 1024 * 1024;
export const DCGM_TOTAL_MIB = 81559;
export const LOG_FILE = '/var/log/pods/inference_llm-server-0_1f2e/server/0.log';

const hex = (n: number, len: number): string => n.toString(16).padStart(len, '0');

export function gpus(): GpuDef[] {
  return NODES.flatMap((node, n) => [0, 1].map((index) => ({ node, index, uuid: `GPU-${hex(n * 16 + index + 0xa0, 8)}-5b2e-4f6a-9c3d-0e1f2a3b4c${hex(n * 2 + index, 2)}`, name: H100, totalBytes: node === 'node-c' ? DCGM_TOTAL_MIB * MIB : 85_520_809_984 })));
}

export function processes(all: GpuDef[]): ProcessDef[] {
  const g = (node: string, i: number) => all.find((x) => x.node === node && x.index === i)!;
  // the same two pids on every node; node-b's run on the other GPUs
  return [
    { node: 'node-a', pid: 31337, gpu: g('node-a', 0), nvml: true },
    { node: 'node-a', pid: 4242, gpu: g('node-a', 1), nvml: true },
    { node: 'node-b', pid: 31337, gpu: g('node-b', 1), nvml: true },
    { node: 'node-b', pid: 4242, gpu: g('node-b', 0), nvml: true },
    { node: 'node-c', pid: 31337, gpu: g('node-c', 0), nvml: false },
    { node: 'node-c', pid: 4242, gpu: g('node-c', 1), nvml: false },
  ];
}

export interface Scenario {
  gpus: GpuDef[];
  procs: ProcessDef[];
  requests: RequestDef[];
  /** traces whose spans never come (sampled out): their logs expire */
  orphanLogs: LogDef[];
  events: EventDef[];
  samples: Sample[];
  /** ms between samples: NVML nodes, dcgm-exporter node */
  nvmlIntervalMs: number;
  dcgmIntervalMs: number;
  endMs: number;
  hugeBody: string;
}

export function scenario(seed = 16): Scenario {
  const r = rng(seed);
  const all = gpus();
  const procs = processes(all);
  const requests: RequestDef[] = [];
  const hugeBody = 'prompt: ' + 'the quick brown fox jumps over the lazy dog — ünïcödé '.repeat(800); // ~44 KB
  const N = 48;
  for (let i = 0; i < N; i++) {
    const proc = procs[i % procs.length]!;
    const start = 2000 + i * 1700 + Math.floor(r() * 900);
    // 0.1–15 s, both ends included
    const dur = i === 0 ? 100 : i === 1 ? 15_000 : i === 4 ? 14_000 : Math.round(100 + r() * r() * 14_900);
    const cut = start + Math.round(dur * 0.25);
    const end = start + dur;
    const trace = hex(0x1000 + i, 32);
    const id = (k: number) => hex((i + 1) * 16 + k, 16);
    // the SDK's batch span processor exports every ended span at its next 5 s tick (its phase
    // per process): children before or with their root, up to 5 s after they end
    const phase = procs.indexOf(proc) * 737;
    const arrive = (t: number) => phase + Math.ceil((t - phase) / SDK_BATCH_DELAY_MS) * SDK_BATCH_DELAY_MS + 20;
    const spans: SpanDef[] = [
      { id: id(1), parent: undefined, name: 'POST /v1/completions', start, end, arrive: arrive(end) },
      { id: id(2), parent: id(1), name: 'prefill', start, end: cut, arrive: arrive(cut) },
      { id: id(3), parent: id(1), name: 'decode', start: cut, end, arrive: arrive(end) },
    ];
    if (i % 12 === 5) spans[2]!.status = { code: 2, message: 'upstream timeout' };
    if (i % 12 === 7) spans[2]!.status = { code: 1 };
    const tail = (t: number) => t + Math.floor(r() * 200); // tailed at once
    const common = { pid: proc.pid, hostname: proc.node, 'log.file.path': LOG_FILE, 'k8s.pod.name': 'llm-server-0' };
    const logs: LogDef[] = [
      { trace, span: id(1), time: start + 1, arrive: tail(start + 1), body: 'request received', attrs: { ...common, 'req.id': `r${i}` }, late: false },
      { trace, span: id(2), time: start + Math.round(dur * 0.1), arrive: tail(start + Math.round(dur * 0.1)), body: i === 3 ? hugeBody : `tokenized ${100 + i} tokens`, attrs: { ...common, model: 'llama-3-70b' }, late: false },
      { trace, span: id(3), time: start + Math.round(dur * 0.6), arrive: tail(start + Math.round(dur * 0.6)), body: 'kv cache 95% full', attrs: { ...common, 'kv.usage': 0.95 * 100 }, late: false },
    ];
    if (i % 10 === 4) {
      // written after the trace left (its root arrived, plus root_wait): goes out as a fragment
      const rootArrive = Math.max(...spans.map((s) => s.arrive));
      logs.push({ trace, span: id(3), time: end + 10, arrive: rootArrive + 4000, body: 'client disconnected', attrs: { ...common }, late: true });
    }
    requests.push({ trace, proc, spans, logs });
  }
  const orphanLogs: LogDef[] = [0, 1].flatMap((k) => [0, 1].map((j) => ({ trace: hex(0x9000 + k, 32), span: hex(0x900 + k, 16), time: 5000 + k * 9000 + j * 10, arrive: 5000 + k * 9000 + j * 10 + 20, body: `sampled-out request ${k} line ${j}`, attrs: {}, late: false })));
  const endMs = Math.max(...requests.flatMap((q) => [...q.spans.map((s) => s.arrive), ...q.logs.map((l) => l.arrive)])) + 40_000;
  // events, each inside the decode span of a chosen request (and so on every span then on that GPU)
  const mid = (q: RequestDef) => Math.round((q.spans[2]!.start + q.spans[2]!.end) / 2);
  const nvmlReqs = requests.filter((q) => q.proc.nvml);
  const dcgmReqs = requests.filter((q) => !q.proc.nvml);
  const kinds: { kind: string; xid?: number }[] = [
    { kind: 'gpu.xid', xid: 79 }, { kind: 'gpu.xid', xid: 63 }, { kind: 'gpu.xid', xid: 13 }, { kind: 'gpu.xid', xid: 45 },
    { kind: 'gpu.ecc.double_bit' }, { kind: 'gpu.ecc.single_bit' }, { kind: 'gpu.lost' }, { kind: 'gpu.unavailable' },
    { kind: 'gpu.clock' }, { kind: 'gpu.pstate' }, { kind: 'gpu.power_source' }, { kind: 'gpu.xid', xid: 31 },
  ];
  const events: EventDef[] = kinds.map((k, j) => {
    // requests 5 and 7 (app status ERROR / OK) get fatal events too
    const q = j === 0 ? requests[5]! : j === 2 ? requests[7]! : nvmlReqs[(j * 3 + 2) % nvmlReqs.length]!;
    return { node: q.proc.node, gpu: q.proc.gpu, time: mid(q), ...k, via: 'nvml' as const };
  });
  // dcgm-exporter reports the last XID as a gauge: a change to 13 during a request on node-c
  const dq = dcgmReqs.reduce((a, b) => (b.spans[2]!.end - b.spans[2]!.start > a.spans[2]!.end - a.spans[2]!.start ? b : a));
  const dcgmXidTime = dq.spans[2]!.start + 100;
  events.push({ node: dq.proc.node, gpu: dq.proc.gpu, time: dcgmXidTime, kind: 'gpu.xid', xid: 13, via: 'dcgm' });
  const nvmlIntervalMs = 1000;
  const dcgmIntervalMs = 5000;
  const samples: Sample[] = [];
  for (const g of all) {
    const every = g.node === 'node-c' ? dcgmIntervalMs : nvmlIntervalMs;
    const offset = g.node === 'node-c' ? 1234 : 250 + g.index * 100;
    // half a millisecond off the whole-ms span bounds: no sample sits exactly on one
    for (let t = offset + 0.5; t < endMs; t += every) {
      samples.push({ gpu: g, time: t, util: Math.round(r() * 100), usedBytes: Math.round(r() * 60_000) * MIB, temp: 40 + Math.round(r() * 40), memTemp: 90 + Math.round(r() * 5), power: 100 + Math.round(r() * 500), throttle: r() < 0.3 ? 0x4 | 0x20 : r() < 0.5 ? 0x1 : 0, xid: g === dq.proc.gpu && t >= dcgmXidTime ? 13 : 0 });
    }
  }
  // dcgm-exporter's gauge shows the XID at its next scrape: that is when the event is known
  const dcgmEvent = events[events.length - 1]!;
  dcgmEvent.time = samples.find((x) => x.gpu === dq.proc.gpu && x.xid === 13)!.time;
  return { gpus: all, procs, requests, orphanLogs, events, samples, nvmlIntervalMs, dcgmIntervalMs, endMs, hugeBody };
}
