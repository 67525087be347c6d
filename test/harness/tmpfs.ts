// Small real filesystems that fill up (tmpfs; the suite runs as root, as CI does) for the
// disk-full faults. Importing this registers one hook for the test file's end: the clean-ups a
// test left (a load and a collector still writing there, if an assertion failed) run first, then
// every tmpfs mounted is unmounted.
import { execFileSync } from 'node:child_process';
import { after } from 'node:test';

const mounts: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

after(async () => {
  for (const f of cleanups) await f().catch(() => {});
  for (const m of mounts) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
});

/** Mounts a tmpfs of `size` (mount's syntax: 1m, 4m…) on the existing directory `dir`. */
export function mountTmpfs(dir: string, size: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounts.push(dir);
}

/** Gives the tmpfs on `dir` a new size (space returns; its files stay). */
export function resizeTmpfs(dir: string, size: string): void {
  execFileSync('mount', ['-o', `remount,size=${size}`, dir]);
}

/** Runs `f` when the file's tests end, before the unmounts. */
export function atEnd(f: () => Promise<void>): void {
  cleanups.push(f);
}
