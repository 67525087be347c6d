// Python's `protobuf` (upb) with `opentelemetry-proto`'s generated classes, from PyPI at
// pinned versions, in a virtual environment in the shared cache (outside the repository):
// an independent OTLP decoder for the fuzz tests. `PythonOtlp` drives py/otlp_decode.py as
// one long-lived subprocess over length-prefixed frames; py/otlp_json.py adds OTLP/JSON's rules
// to json_format for the OTLP/JSON comparison.
//   node dist/test/harness/python-otlp.js install
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Signal } from '../../src/component.js';
import { cacheDir, cachedBuild, installFromCommandLine } from './cached-build.js';

const execFileP = promisify(execFile);

export const PY_PACKAGES = ['opentelemetry-proto==1.45.2', 'protobuf==6.33.6'];
const VENV_NAME = 'py-otlp-1.45.2-pb6.33.6';
const SCRIPT = fileURLToPath(new URL('../../../test/harness/py/otlp_decode.py', import.meta.url));

export function pythonOtlpPath(): string {
  return join(cacheDir(), VENV_NAME, 'venv', 'bin', 'python');
}

/** A virtual environment with PY_PACKAGES unless it is already cached; returns its python. */
export const installPythonOtlp = cachedBuild(() => {
  const dir = join(cacheDir(), VENV_NAME);
  const done = join(dir, 'installed');
  return {
    name: `a Python venv with ${PY_PACKAGES.join(' ')}`,
    result: pythonOtlpPath(),
    done,
    lock: join(dir, 'install.lock'),
    staleMs: 15 * 60_000,
    build: async (log) => {
      log(`installing ${PY_PACKAGES.join(' ')} from PyPI into ${dir}/venv`);
      rmSync(join(dir, 'venv'), { recursive: true, force: true });
      await execFileP('python3', ['-m', 'venv', join(dir, 'venv')]);
      await execFileP(pythonOtlpPath(), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PY_PACKAGES], { maxBuffer: 16 * 1024 * 1024 });
      writeFileSync(done, `${PY_PACKAGES.join('\n')}\n`);
    },
  };
});

export interface PyVerdict {
  ok: boolean;
  /** canonical JSON of the decoded message, or the error text */
  text: string;
}

export interface JsonVerdict {
  /** the reference accepts the document */
  ok: boolean;
  /** both accept: whether the messages are equal; otherwise null */
  equal: boolean | null;
  /** the reference's error, or the first difference */
  detail: string;
}

const SIGNAL_BYTE: Record<Signal, number> = { traces: 0x74, logs: 0x6c, metrics: 0x6d };

/** One long-lived decoder process; requests are answered in order. */
export class PythonOtlp {
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => this.onData(d));
    child.on('exit', (code) => this.failAll(new Error(`python decoder exited with ${code}: ${this.stderr}`)));
    child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
  }

  private buf: Buffer = Buffer.alloc(0);
  private stderr = '';
  private readonly waiting: { resolve: (v: PyVerdict) => void; reject: (e: Error) => void }[] = [];

  static async start(): Promise<PythonOtlp> {
    const py = await installPythonOtlp();
    return new PythonOtlp(spawn(py, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  parseProto(signal: Signal, body: Uint8Array): Promise<PyVerdict> {
    return this.send(0x50, signal, body);
  }

  /**
   * Judges OTLP/JSON with the OTLP rules on top of json_format (py/otlp_json.py) and, when both
   * sides accept, compares the messages: `ours` is the collector's protobuf encoding of the
   * same text, or undefined when the collector refused it.
   */
  async judgeJson(signal: Signal, text: string, ours: Uint8Array | undefined): Promise<JsonVerdict> {
    const t = Buffer.from(text, 'utf8');
    const head = Buffer.alloc(5);
    head[0] = ours ? 1 : 0;
    head.writeUInt32BE(t.length, 1);
    const v = await this.send(0x4f, signal, Buffer.concat([head, t, ours ?? Buffer.alloc(0)]));
    const a = JSON.parse(v.text) as { equal: boolean | null; detail: string };
    return { ok: v.ok, equal: a.equal, detail: a.detail };
  }

  close(): void {
    this.child.stdin.end();
  }

  private send(cmd: number, signal: Signal, body: Uint8Array): Promise<PyVerdict> {
    const head = Buffer.alloc(6);
    head[0] = cmd;
    head[1] = SIGNAL_BYTE[signal];
    head.writeUInt32BE(body.length, 2);
    this.child.stdin.write(head);
    this.child.stdin.write(body);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    while (this.buf.length >= 5) {
      const n = this.buf.readUInt32BE(1);
      if (this.buf.length < 5 + n) return;
      const v = { ok: this.buf[0] === 1, text: this.buf.subarray(5, 5 + n).toString('utf8') };
      this.buf = this.buf.subarray(5 + n);
      this.waiting.shift()?.resolve(v);
    }
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.splice(0)) w.reject(e);
  }
}

installFromCommandLine(import.meta.url, installPythonOtlp);
