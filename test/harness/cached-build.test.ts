// cachedBuild, the install-once helper of the test servers: a cached result skips the build;
// builders racing (separate install functions, as separate processes have) build once; a dead
// builder's lock (stale, or its pid gone) is taken over; a failure names what failed and the next call builds again.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cachedBuild, type CachedBuild } from './cached-build.js';
import { tempDir } from './collector.js';

const quiet = (): void => {};

function spec(dir: string, build: CachedBuild['build'], over: Partial<CachedBuild> = {}): () => CachedBuild {
  return () => ({ name: 'thing v1', result: join(dir, 'bin', 'thing'), lock: join(dir, 'build.lock'), staleMs: 60_000, pollMs: 20, build, ...over });
}

const writeThing = (dir: string) => async (): Promise<void> => {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  await new Promise((r) => setTimeout(r, 100)); // long enough for the other builder to find the lock
  writeFileSync(join(dir, 'bin', 'thing'), 'built');
};

test('a cached result is returned without building', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'thing'), 'cached');
  let builds = 0;
  const install = cachedBuild(spec(dir, async () => void builds++));
  assert.equal(await install(quiet), join(dir, 'bin', 'thing'));
  assert.equal(builds, 0);
});

test('two builders at once: one builds, the other waits for its result; the lock is gone after', async () => {
  const dir = tempDir();
  let builds = 0;
  const build = async (): Promise<void> => {
    builds++;
    await writeThing(dir)();
  };
  const a = cachedBuild(spec(dir, build));
  const b = cachedBuild(spec(dir, build));
  const lines: string[] = [];
  const results = await Promise.all([a((l) => lines.push(l)), b((l) => lines.push(l)), a(quiet)]);
  assert.deepEqual(results, Array(3).fill(join(dir, 'bin', 'thing')));
  assert.equal(builds, 1);
  assert.equal(existsSync(join(dir, 'build.lock')), false);
  assert.equal(lines.filter((l) => /^thing v1 built in \d+ s$/.test(l)).length, 1);
});

test("a dead builder's lock is taken over (stale, or its pid gone); a live one is waited for", async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'build.lock'));
  const old = new Date(Date.now() - 120_000);
  utimesSync(join(dir, 'build.lock'), old, old);
  assert.equal(await cachedBuild(spec(dir, writeThing(dir)))(quiet), join(dir, 'bin', 'thing'));

  const dirDead = tempDir(); // fresh, but its builder's pid is gone: taken over at once
  mkdirSync(join(dirDead, 'build.lock'));
  writeFileSync(join(dirDead, 'build.lock', 'pid'), String(spawnSync('true').pid));
  assert.equal(await cachedBuild(spec(dirDead, writeThing(dirDead), { staleMs: 3_600_000 }))(quiet), join(dirDead, 'bin', 'thing'));

  const dir2 = tempDir();
  mkdirSync(join(dir2, 'build.lock')); // a live builder (this process): we wait, and see its result appear
  writeFileSync(join(dir2, 'build.lock', 'pid'), String(process.pid));
  const waiting = cachedBuild(spec(dir2, async () => assert.fail('built while another builder held the lock')))(quiet);
  setTimeout(() => void writeThing(dir2)(), 100);
  assert.equal(await waiting, join(dir2, 'bin', 'thing'));
});

test('a failed build names what failed with its hint and stderr, frees the lock, and is tried again', async () => {
  const dir = tempDir();
  let calls = 0;
  const install = cachedBuild(spec(dir, async () => {
    calls++;
    if (calls === 1) throw Object.assign(new Error('exit 1'), { stderr: 'go: module not found' });
    await writeThing(dir)();
  }, { hint: 'Go >= 1.24 needed' }));
  await assert.rejects(install(quiet), { message: 'building thing v1 failed (Go >= 1.24 needed): go: module not found' });
  assert.equal(existsSync(join(dir, 'build.lock')), false);
  assert.equal(await install(quiet), join(dir, 'bin', 'thing'));
  assert.equal(calls, 2);
});

test('a build that leaves no result is an error, and a separate done marker is what counts', async () => {
  const dir = tempDir();
  await assert.rejects(cachedBuild(spec(dir, async () => {}))(quiet), /building thing v1 finished without .*bin\/thing/);
  const done = join(dir, 'installed');
  const install = cachedBuild(spec(dir, async () => writeFileSync(done, 'ok'), { done }));
  assert.equal(await install(quiet), join(dir, 'bin', 'thing'));
  assert.equal(existsSync(join(dir, 'bin', 'thing')), false, 'the result itself need not exist, only the marker');
});
