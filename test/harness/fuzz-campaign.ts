// The scanner-vs-reference fuzz campaign: real SDK bodies mutated with a seeded generator (bit
// flips, truncation, varint overflow, field numbers at the limits, wrong wire types, nested
// and broken groups, length changes) and judged by our scanner and, independently, by
// Python's protobuf (upb) with opentelemetry-proto's classes. Every disagreement is reported:
//   false accept: we answer 200, the reference cannot decode it (a poisoned batch);
//   false reject: we refuse what the reference decodes, for a reason not in DELIBERATE.
// OTLP/JSON bodies are mutated too (fuzz-json-mutators.ts) and judged against json_format with
// OTLP's rules (py/otlp_json.py): a document only one side accepts is a false accept or reject;
// one both accept must decode to equal messages (else: different).
// `npm run fuzz` runs a longer campaign: node dist/test/harness/fuzz-campaign.js [cases] [seed] [jsonEvery]
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Signal } from '../../src/component.js';
import { encodeRequest, parseOtlpJson } from '../../src/otlp/index.js';
import { scanRequest } from '../../src/otlp/scanner.js';
import { rng } from './prng.js';
import { JSON_MUTATORS } from './fuzz-json-mutators.js';
import { PythonOtlp } from './python-otlp.js';
import { captureSdkBodies, type SdkBody } from './sdk-bodies.js';

/** Refusals stricter than protobuf on purpose (see src/otlp/scanner.ts). */
export const DELIBERATE: readonly RegExp[] = [/wire type \d, expected \d/, /must be \d+ bytes, got \d+/, /nesting deeper than/];
/** OTLP/JSON refusals stricter than the reference on purpose: ids of another length than 16/8 bytes. */
export const JSON_DELIBERATE: readonly RegExp[] = [/expected \d+ hex characters/];

export interface Disagreement {
  /** different: both accept OTLP/JSON but decode it to different messages */
  kind: 'false-accept' | 'false-reject' | 'different';
  signal: Signal;
  mutation: string;
  ours: string;
  reference: string;
  /** the protobuf body in hex, or the OTLP/JSON text */
  body: string;
}

export interface CampaignResult {
  cases: number;
  accepted: number;
  rejected: number;
  deliberate: number;
  jsonCases: number;
  jsonAccepted: number;
  jsonDeliberate: number;
  disagreements: Disagreement[];
  seconds: number;
}

/** protobuf varint bytes (also used by the hand-written scanner tests) */
export const varint = (n: bigint): number[] => {
  const o: number[] = [];
  while (n >= 128n) {
    o.push(Number(n & 127n) | 128);
    n >>= 7n;
  }
  o.push(Number(n));
  return o;
};
export const tag = (no: number, wt: number): number[] => varint(BigInt(no) * 8n + BigInt(wt));

type Mutator = (b: Buffer, r: () => number) => Buffer;
const at = (b: Buffer, r: () => number): number => Math.floor(r() * b.length);
const insert = (b: Buffer, i: number, bytes: number[]): Buffer => Buffer.concat([b.subarray(0, i), Buffer.from(bytes), b.subarray(i)]);

const MUTATORS: Record<string, Mutator> = {
  bitflip: (b, r) => {
    const c = Buffer.from(b);
    const n = 1 + Math.floor(r() * 3);
    for (let k = 0; k < n; k++) c[at(c, r)]! ^= 1 << Math.floor(r() * 8);
    return c;
  },
  byte: (b, r) => {
    const c = Buffer.from(b);
    c[at(c, r)] = Math.floor(r() * 256);
    return c;
  },
  truncate: (b, r) => b.subarray(0, at(b, r)),
  varintOverflow: (b, r) => insert(b, at(b, r), [...tag(1 + Math.floor(r() * 20), 0), ...new Array<number>(9).fill(0xff), [0x01, 0x02, 0x7f, 0x80][Math.floor(r() * 4)]!, 0x00]),
  fieldLimit: (b, r) => {
    const nos = [0, 1, 15, 16, 2047, 2048, 2 ** 29 - 1, 2 ** 29, 2 ** 31, 2 ** 32];
    const no = nos[Math.floor(r() * nos.length)]!;
    return insert(b, at(b, r), [...tag(no, 0), 1]);
  },
  wrongWireType: (b, r) => {
    // rewrite the low 3 bits of a byte that may be a tag
    const c = Buffer.from(b);
    const i = at(c, r);
    c[i] = (c[i]! & 0xf8) | Math.floor(r() * 8);
    return c;
  },
  groups: (b, r) => {
    const no = 1 + Math.floor(r() * 200);
    const depth = 1 + Math.floor(r() * 120);
    const open = Array.from({ length: depth }, () => tag(no, 3)).flat();
    const close = Array.from({ length: r() < 0.8 ? depth : depth - 1 }, () => tag(r() < 0.9 ? no : no + 1, 4)).flat();
    return insert(b, at(b, r), [...open, ...close]);
  },
  length: (b, r) => {
    // grow or shrink one byte that may be a length prefix
    const c = Buffer.from(b);
    const i = at(c, r);
    c[i] = (c[i]! + (r() < 0.5 ? 1 : 255)) & 0xff;
    return c;
  },
  overlongTag: (b, r) => insert(b, at(b, r), [0x88, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01].slice(0, 2 + Math.floor(r() * 6))),
  splice: (b, r) => {
    const i = at(b, r);
    const j = at(b, r);
    return Buffer.concat([b.subarray(0, i), b.subarray(j, j + Math.floor(r() * 64)), b.subarray(i)]);
  },
};

/** Our side of a case: its result, and 'accepted' or the refusal's message. */
function attempt<T>(f: () => T): { value: T | undefined; ours: string } {
  try {
    return { value: f(), ours: 'accepted' };
  } catch (e) {
    return { value: undefined, ours: (e as Error).message };
  }
}

export async function runCampaign(opts: { cases: number; seed: number; budgetMs: number; jsonEvery?: number }): Promise<CampaignResult> {
  const t0 = Date.now();
  const seeds: SdkBody[] = [...(await captureSdkBodies('proto')), ...(await captureSdkBodies('json'))];
  const proto = seeds.filter((s) => s.wire === 'proto');
  const json = seeds.filter((s) => s.wire === 'json');
  if (proto.length === 0 || json.length === 0) throw new Error('the SDK produced no bodies');
  const py = await PythonOtlp.start();
  const r = rng(opts.seed);
  const names = Object.keys(MUTATORS);
  const jsonNames = Object.keys(JSON_MUTATORS);
  const jsonEvery = opts.jsonEvery ?? 5;
  const res: CampaignResult = { cases: 0, accepted: 0, rejected: 0, deliberate: 0, jsonCases: 0, jsonAccepted: 0, jsonDeliberate: 0, disagreements: [], seconds: 0 };
  try {
    // the unmutated seeds first: both sides must accept them
    const pending: Promise<void>[] = [];
    const judge = (signal: Signal, body: Buffer, mutation: string): void => {
      const { value, ours } = attempt(() => scanRequest(signal, body));
      const ok = value !== undefined;
      res.cases++;
      if (ok) res.accepted++;
      else res.rejected++;
      pending.push(
        py.parseProto(signal, body).then((v) => {
          if (ok && !v.ok) res.disagreements.push({ kind: 'false-accept', signal, mutation, ours, reference: v.text.slice(0, 200), body: body.toString('hex').slice(0, 400) });
          if (!ok && v.ok) {
            if (DELIBERATE.some((re) => re.test(ours))) res.deliberate++;
            else res.disagreements.push({ kind: 'false-reject', signal, mutation, ours, reference: 'decoded', body: body.toString('hex').slice(0, 400) });
          }
        }),
      );
    };
    const judgeJson = (signal: Signal, text: string, mutation: string): void => {
      const { value: bytes, ours } = attempt(() => {
        const b = encodeRequest(signal, parseOtlpJson(text));
        scanRequest(signal, b);
        return b;
      });
      res.jsonCases++;
      if (bytes) res.jsonAccepted++;
      pending.push(
        py.judgeJson(signal, text, bytes).then((v) => {
          const d = { signal, mutation, ours, reference: v.detail.slice(0, 300), body: text };
          if (bytes && !v.ok) res.disagreements.push({ kind: 'false-accept', ...d });
          else if (!bytes && v.ok) {
            if (JSON_DELIBERATE.some((re) => re.test(ours))) res.jsonDeliberate++;
            else res.disagreements.push({ kind: 'false-reject', ...d });
          } else if (v.equal === false) res.disagreements.push({ kind: 'different', ...d });
        }),
      );
    };
    for (const s of proto) judge(s.signal, s.body, 'none');
    for (const s of json) judgeJson(s.signal, s.body.toString('utf8'), 'json:none');
    while (res.cases < opts.cases && Date.now() - t0 < opts.budgetMs) {
      const s = proto[Math.floor(r() * proto.length)]!;
      let body = s.body;
      const steps = 1 + Math.floor(r() * 2);
      const applied: string[] = [];
      for (let k = 0; k < steps; k++) {
        const m = names[Math.floor(r() * names.length)]!;
        applied.push(m);
        body = MUTATORS[m]!(body, r);
      }
      judge(s.signal, body, applied.join('+'));
      // OTLP/JSON: one case for every `jsonEvery` protobuf cases
      if (res.cases % jsonEvery === 0) {
        const j = json[Math.floor(r() * json.length)]!;
        let text = j.body.toString('utf8');
        const applied: string[] = [];
        for (let k = 1 + Math.floor(r() * 2); k > 0; k--) {
          const m = jsonNames[Math.floor(r() * jsonNames.length)]!;
          applied.push(m);
          text = JSON_MUTATORS[m]!(text, r);
        }
        judgeJson(j.signal, text, `json:${applied.join('+')}`);
      }
      if (pending.length >= 200) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  } finally {
    py.close();
  }
  res.seconds = (Date.now() - t0) / 1000;
  return res;
}

export function summary(r: CampaignResult): string {
  const fa = r.disagreements.filter((d) => d.kind === 'false-accept').length;
  const fr = r.disagreements.filter((d) => d.kind === 'false-reject').length;
  const df = r.disagreements.filter((d) => d.kind === 'different').length;
  return (
    `protobuf cases ${r.cases} (accepted ${r.accepted}, rejected ${r.rejected}, of which ${r.deliberate} deliberately stricter than protobuf), ` +
    `OTLP/JSON cases ${r.jsonCases} (accepted ${r.jsonAccepted}, rejected ${r.jsonCases - r.jsonAccepted}, of which ${r.jsonDeliberate} deliberately stricter); ` +
    `false accepts ${fa}, false rejects ${fr}, accepted but decoded differently ${df}; ${r.seconds.toFixed(1)} s`
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cases = Number(process.argv[2] ?? 100_000);
  const seed = Number(process.argv[3] ?? 15);
  const jsonEvery = Number(process.argv[4] ?? 5);
  const r = await runCampaign({ cases, seed, budgetMs: 30 * 60_000, jsonEvery });
  console.log(`fuzz (seed ${seed}): ${summary(r)}`);
  for (const kind of ['false-accept', 'false-reject', 'different']) {
    for (const d of r.disagreements.filter((x) => x.kind === kind).slice(0, 10)) console.log(JSON.stringify({ ...d, body: d.body.slice(0, 600) }));
  }
  if (r.disagreements.length > 0) {
    // whole bodies, to replay a case by hand
    const file = join(tmpdir(), `fuzz-disagreements-${seed}.json`);
    writeFileSync(file, JSON.stringify(r.disagreements, null, 1));
    console.log(`all disagreements: ${file}`);
  }
  process.exit(r.disagreements.length === 0 ? 0 : 1);
}
