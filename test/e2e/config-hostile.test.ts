// Hostile configs (issue 15): each ends as a problem in the usual list, exit 1, quickly and
// without a stack trace, against the real CLI process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { openSync, writeSync, closeSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, runCli } from '../harness/cli-process.js';
import { tempDir } from '../harness/collector.js';

const errLines = (s: string): string[] => s.split('\n').filter((l) => l !== '' && !l.includes('is not supported (use Node.js'));

function assertProblem(r: { status: number | null; stderr: string }, problem: RegExp): void {
  assert.equal(r.status, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  const lines = errLines(r.stderr);
  assert.match(lines[0]!, /: \d+ problems?$/);
  assert.ok(lines.slice(1).some((l) => problem.test(l)), r.stderr);
}

test('a YAML alias bomb is a problem, not a library stack trace', () => {
  const dir = tempDir();
  const file = join(dir, 'bomb.yaml');
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  writeFileSync(file, levels.join('\n') + '\n');
  assertProblem(runCli(['validate', '--config', file]), /\(yaml\): Excessive alias count/);
});

test('validate --config /dev/zero stops at the size limit', () => {
  const r = spawnSync(process.execPath, [CLI, 'validate', '--config', '/dev/zero'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, null, 'finished before the timeout');
  assertProblem(r, /\(file\): cannot read \/dev\/zero: larger than 16MiB, the limit for config files/);
});

test('a 50 MB config is refused by size', () => {
  const file = join(tempDir(), 'big.yaml');
  const fd = openSync(file, 'w');
  const chunk = Buffer.from('# padding padding padding padding padding padding padding padding\n'.repeat(16_000));
  for (let written = 0; written < 50e6; written += chunk.length) writeSync(fd, chunk);
  closeSync(fd);
  assertProblem(runCli(['validate', '--config', file]), /larger than 16MiB/);
});

test('--set with a huge list index is refused at once', () => {
  const r = spawnSync(process.execPath, [CLI, 'validate', '--config', 'config/default.yaml', '--set', 'x.receivers[4294967294]=otlp'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, null, 'finished before the timeout');
  assertProblem(r, /--set: index 4294967294 in "x\.receivers\[4294967294\]" is beyond the end of the list \(0 items\)/);
  // appending at the end is still allowed
  const ok = runCli(['validate', '--config', 'config/default.yaml', '--set', 'service.pipelines.traces.exporters[1]=file']);
  assertProblem(ok, /service\.pipelines\.traces\.exporters\[1\]: "file" is listed twice/);
});

test('__proto__, constructor and prototype keys are refused, in --set and in the file', () => {
  assertProblem(runCli(['validate', '--config', 'config/default.yaml', '--set', '__proto__.polluted=1']), /--set: "__proto__" is not allowed as a key/);
  assertProblem(runCli(['validate', '--config', 'config/default.yaml', '--set', 'exporters.file.constructor.prototype.x=1']), /"constructor" is not allowed/);
  const file = join(tempDir(), 'proto.yaml');
  writeFileSync(file, 'receivers: { otlp: { protocols: { http: {} } } }\nexporters:\n  otlphttp:\n    endpoint: http://x:4318\n    headers: { __proto__: { polluted: yes } }\nservice: { pipelines: { traces: { receivers: [otlp], exporters: [otlphttp] } } }\n');
  assertProblem(runCli(['validate', '--config', file]), /exporters\.otlphttp\.headers\.__proto__: "__proto__" is not allowed as a key/);
});

test('${NAME} and ${env:NAME}: an unset variable is named at its key path; unknown extensions are errors', () => {
  const file = join(tempDir(), 'env.yaml');
  writeFileSync(
    file,
    'receivers: { otlp: { protocols: { http: {} } } }\nexporters: { file: { directory: "${NOPE_UNSET}/x", file_prefix: "${env:ALSO_UNSET}" } }\n' +
      'service: { extensions: [zpages], pipelines: { traces: { receivers: [otlp], exporters: [file] } } }\n',
  );
  const r = runCli(['validate', '--config', file], { env: { NOPE_UNSET: undefined, ALSO_UNSET: undefined } as unknown as NodeJS.ProcessEnv });
  assertProblem(r, /exporters\.file\.directory: environment variable NOPE_UNSET is not set/);
  assert.match(r.stderr, /exporters\.file\.file_prefix: environment variable ALSO_UNSET is not set/);
  const set = runCli(['validate', '--config', file], { env: { NOPE_UNSET: '/tmp', ALSO_UNSET: 'n1_' } });
  assertProblem(set, /service\.extensions\[0\]: extension "zpages" is not defined in extensions/);
  assert.equal(errLines(set.stderr).length, 2, set.stderr);
});
