// The NVML worker thread: NVML calls block (nvmlEventSetWait for up to its timeout, and any call
// on a sick GPU can take seconds), so none of them run on the main thread. One loop samples every
// `collection_interval` and waits for events in between; encoded requests go to the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { NvmlCollector, type Problem } from './collector.js';
import { codeName, NVML } from './nvml-lib.js';

export interface WorkerInit {
  libraryPath: string;
  processes: boolean;
  eventMask: number;
  waitTimeoutMs: number;
  collectionIntervalMs: number;
  metrics: boolean;
  hostName: string;
  k8sNodeName: string;
  resourceAttributes: Record<string, string>;
  startTimeNs: string;
  /** Int32Array over it: [0] = 1 asks the worker to stop */
  stop: SharedArrayBuffer;
}

export type WorkerMessage =
  | { t: 'ready'; devices: { index: number; uuid: string; name: string }[]; driverVersion: string | undefined; symbols: Record<string, string | undefined>; eventDevices: number[] }
  | { t: 'unavailable'; reason: string; code: string | undefined }
  | { t: 'metrics'; data: Uint8Array; items: number; pollSeconds: number; devices: number }
  | { t: 'logs'; data: Uint8Array; items: number; kinds: string[] }
  | { t: 'problems'; problems: Problem[] };

function run(init: WorkerInit): void {
  const port = parentPort!;
  const stop = new Int32Array(init.stop);
  const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  const opened = NvmlCollector.open({
    libraryPath: init.libraryPath,
    processes: init.processes,
    eventMask: init.eventMask,
    hostName: init.hostName,
    k8sNodeName: init.k8sNodeName,
    resourceAttributes: init.resourceAttributes,
    startTimeNs: init.startTimeNs,
  });
  if (!('collector' in opened)) {
    post({ t: 'unavailable', reason: opened.reason, code: opened.code });
    return;
  }
  const c = opened.collector;
  const flushProblems = (): void => {
    if (c.problems.length > 0) post({ t: 'problems', problems: c.problems.splice(0) });
  };
  post({ t: 'ready', devices: c.devices.map((d) => ({ index: d.index, uuid: d.uuid, name: d.name })), driverVersion: c.driverVersion, symbols: c.lib.symbols, eventDevices: c.eventDevices });
  flushProblems();
  const sendLogs = (records: Record<string, unknown>[], kinds: string[]): void => {
    if (records.length === 0) return;
    const enc = c.encodeLogs(records);
    post({ t: 'logs', data: enc.data, items: enc.items, kinds }, [enc.data.buffer as ArrayBuffer]);
  };
  let waitErrorReported = false;
  try {
    let next = Date.now();
    while (Atomics.load(stop, 0) === 0) {
      if (init.metrics && Date.now() >= next) {
        const t0 = performance.now();
        const enc = c.poll();
        const pollSeconds = (performance.now() - t0) / 1000;
        post({ t: 'metrics', data: enc.data, items: enc.items, pollSeconds, devices: c.devices.length }, [enc.data.buffer as ArrayBuffer]);
        sendLogs(c.takeLostRecords(), ['gpu.lost']);
        flushProblems();
        next += init.collectionIntervalMs;
        if (next <= Date.now()) next = Date.now() + init.collectionIntervalMs; // fell behind: skip, never burst
      }
      const budget = init.metrics ? Math.max(0, next - Date.now()) : init.waitTimeoutMs;
      const wait = Math.min(budget, init.waitTimeoutMs);
      if (c.waitsForEvents) {
        const r = c.waitEvents(wait);
        sendLogs(r.records, r.kinds);
        if (r.ret !== NVML.SUCCESS && r.ret !== NVML.ERROR_TIMEOUT) {
          if (!waitErrorReported) c.problems.push({ level: 'warn', msg: `nvmlEventSetWait failed: ${c.lib.errorString(r.ret)}`, call: 'event_wait', code: codeName(r.ret) });
          waitErrorReported = true;
          Atomics.wait(stop, 0, 0, wait); // never spin on a failing wait
        }
        flushProblems();
      } else {
        Atomics.wait(stop, 0, 0, wait);
      }
    }
  } finally {
    c.close();
  }
}

if (parentPort && workerData) run(workerData as WorkerInit);
