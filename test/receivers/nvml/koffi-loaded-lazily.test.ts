// koffi (a native addon) loads only where an NVML library is opened, not in every thread that
// imports the component registry: a worker that shutdown terminates while an addon is being
// loaded takes the whole process down ("FATAL ERROR: Error::ThrowAsJavaScriptException
// napi_throw"), which a SIGTERM during start-up did once in CI (the flush worker was still
// importing the registry). Both tests run in a child process, since the failure kills it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const COMPONENTS = new URL('../../../components.js', import.meta.url).href;

function node(script: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('importing the component registry does not load koffi', () => {
  const r = node(`
    await import(${JSON.stringify(COMPONENTS)});
    const { readFileSync } = await import('node:fs');
    console.log(readFileSync('/proc/self/maps', 'utf8').includes('koffi') ? 'loaded' : 'not loaded');
  `);
  assert.equal(r.status, 0, r.out);
  assert.equal(r.out.trim(), 'not loaded');
});

test('workers importing the component registry, terminated at any point of it: the process survives', () => {
  // delays spread over the import (measured first in a worker of its own), as a SIGTERM during
  // start-up falls anywhere in the flush worker's. Before the fix this crashed the process in
  // about 3 runs of 4 at 120 terminations (the addon loads in a short part of the import)
  const r = node(`
    const { Worker } = await import('node:worker_threads');
    const start = () => new Worker('import(' + ${JSON.stringify(JSON.stringify(COMPONENTS))} + ')', { eval: true });
    const t0 = Date.now();
    const first = start();
    const done = setTimeout(() => first.terminate(), 10_000);
    await new Promise((res) => { first.on('exit', res); first.on('error', res); });
    clearTimeout(done);
    const importMs = Math.max(20, Date.now() - t0);
    for (let i = 0; i < 200; i++) {
      const w = start();
      w.on('error', () => {});
      await new Promise((res) => setTimeout(res, importMs * (0.15 + Math.random() * 0.75)));
      await w.terminate();
    }
    console.log('survived');
  `);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /survived/);
  assert.doesNotMatch(r.out, /FATAL/);
});
