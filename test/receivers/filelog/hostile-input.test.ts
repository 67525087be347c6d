// Issue 15, items 3 and 4, against the real process: a JSON line nested thousands of levels
// deep used to overflow the stack and stall every poll for ever; a symlink loop matching
// `include` made start-up fail (ELOOP) and, created while running, every poll fail. Now the
// deep line is kept as its text, loops are skipped with one warning each, and every other
// line of every file arrives.
import assert from 'node:assert/strict';
import { appendFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnCollector } from '../../harness/cli-process.js';
import { readStored, storedLogRecords, tempDir } from '../../harness/collector.js';

const bodyText = (b: unknown): string => String((b as { stringValue?: string } | undefined)?.stringValue ?? JSON.stringify(b));

async function metric(url: string, re: RegExp): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  return Number(re.exec(text)?.[1] ?? 0);
}

test('deep JSON lines and symlink loops: skipped or kept as text, every other line read, process up', { timeout: 90_000 }, async () => {
  const dir = tempDir('atc-filelog-hostile-');
  const logs = join(dir, 'logs');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(logs);
  // the line: ~5000 levels, ~25 KB; and a much deeper one
  const deep5k = '{"msg":"deep","a":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
  const deep100k = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000); // 600 KB, under max_log_size
  // a moderately nested line that is still parsed: msg becomes the body, `a` an attribute
  const nested20 = JSON.stringify({ msg: 'nested20', a: JSON.parse('{"b":'.repeat(20) + '1' + '}'.repeat(20)) as unknown });
  const app = join(logs, 'app.log');
  const other = join(logs, 'other.log');
  writeFileSync(app, ['{"msg":"before"}', deep5k, deep100k, nested20, '{"msg":"after"}', ''].join('\n'));
  writeFileSync(other, 'other 0\n');
  // loops present at start: a self-loop and a two-link loop, all matching *.log
  symlinkSync(join(logs, 'self.log'), join(logs, 'self.log'));
  symlinkSync(join(logs, 'loop-b.log'), join(logs, 'loop-a.log'));
  symlinkSync(join(logs, 'loop-a.log'), join(logs, 'loop-b.log'));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `receivers:
  filelog: { include: ["${logs}/*.log", "${logs}/**/*.log"], start_at: beginning, format: raw, poll_interval: 50ms }
exporters:
  file: { directory: ${dir}/out, fsync: false }
buffer: { flush_interval: 50ms }
spill: { directory: ${dir}/spill }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: info } }
  pipelines: { logs: { receivers: [filelog], exporters: [file] } }
`,
  );
  const c = await spawnCollector(['--config', config]);
  let exitCode: number | null | undefined;
  void c.exited.then((code) => (exitCode = code));
  const accepted = (): Promise<number> => metric(c.telemetryUrl, /atc_receiver_accepted_log_records_total\{[^}]*\} (\d+)/);
  for (let i = 0; i < 200 && (await accepted()) < 6; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await accepted(), 6, c.logs());

  // a loop created while running, then more lines in both files
  symlinkSync(join(logs, 'late-b.log'), join(logs, 'late-a.log'));
  symlinkSync(join(logs, 'late-a.log'), join(logs, 'late-b.log'));
  await new Promise((r) => setTimeout(r, 300));
  appendFileSync(app, '{"msg":"later"}\n');
  appendFileSync(other, 'other 1\n');
  for (let i = 0; i < 200 && (await accepted()) < 8; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await accepted(), 8, c.logs());
  assert.equal(exitCode, undefined, 'the collector is still running');
  const loops = await metric(c.telemetryUrl, /atc_receiver_refused_sources_total\{[^}]*reason="symlink_loop"[^}]*\} (\d+)/);
  assert.equal(loops, 5, 'each looping path counted once');
  c.child.kill('SIGTERM');
  assert.equal(await c.exited, 0, c.logs());
  const warnings = c.logs().split('\n').filter((l) => l.includes('symlink loop'));
  assert.equal(warnings.length, 5, `one warning per looping path:\n${warnings.join('\n')}`);
  assert.ok(!/Maximum call stack|poll failed/.test(c.logs()), c.logs());

  const records = storedLogRecords(readStored(join(dir, 'out')));
  const bodies = records.map((r) => bodyText(r.record['body']));
  assert.deepEqual(bodies.filter((b) => b.startsWith('other')).sort(), ['other 0', 'other 1']);
  const fromApp = records.filter((r) => (r.record['attributes'] as { key: string; value: { stringValue?: string } }[]).some((a) => a.key === 'log.file.path' && a.value.stringValue === app));
  const label = (b: string): string => (b === deep5k ? 'deep5k' : b === deep100k ? 'deep100k' : b.length > 100 ? `other text of ${b.length} chars` : b);
  const appBodies = fromApp.map((r) => label(bodyText(r.record['body'])));
  // too deep to parse: the line itself is the body, byte for byte
  assert.deepEqual(appBodies, ['before', 'deep5k', 'deep100k', 'nested20', 'after', 'later']);
  const n20 = fromApp[3]!.record['attributes'] as { key: string; value: Record<string, unknown> }[];
  assert.ok(n20.some((a) => a.key === 'a' && a.value['kvlistValue'] !== undefined), 'a 20-level object is still parsed into attributes');
});
