// The scanner-vs-reference fuzz campaign: real SDK bodies mutated with a seeded generator (bit
// flips, truncation, varint overflow, field numbers at the limits, wrong wire types, nested
// and broken groups, length changes) and judged by our scanner and, independently, by
// Python's protobuf (upb) with opentelemetry-proto's classes. Every disagreement is reported:
//   false accept: we answer 200, the reference cannot decode it (a poisoned batch);
//   false reject: we refuse what the reference decodes, for a reason not in DELIBERATE.
// OTLP/JSON bodies are mutated too; every one we accept must encode to protobuf bytes the
// reference decodes.   `npm run fuzz` runs a longer campaign: node dist/test/harness/fuzz-campaign.js [cases] [seed]
import { fileURLToPath } from 'node:url';
import type { Signal } from '../../src/component.js';
import { encodeRequest, parseOtlpJson } from '../../src/otlp/index.js';
import { scanRequest } from '../../src/otlp/scanner.js';
import { PythonOtlp } from './python-otlp.js';
import { captureSdkBodies, type SdkBody } from './sdk-bodies.js';

/** Refusals stricter than protobuf on purpose (see src/otlp/scanner.ts). */
export const DELIBERATE: readonly RegExp[] = [/wire type \d, expected \d/, /must be \d+ bytes, got \d+/, /nesting deeper than/];

export interface Disagreement {
  kind: 'false-accept' | 'false-reject';
  signal: Signal;
  mutation: string;
  ours: string;
  reference: string;
  hex: string;
}

export interface CampaignResult {
  cases: number;
  accepted: number;
  rejected: number;
  deliberate: number;
  jsonCases: number;
  jsonAccepted: number;
  disagreements: Disagreement[];
  seconds: number;
}

/** mulberry32: small, seeded, reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

const JSON_MUTATORS: Record<string, (t: string, r: () => number) => string> = {
  char: (t, r) => {
    const i = Math.floor(r() * t.length);
    const chars = '{}[]":,0123456789e-+.aZ\\ ';
    return t.slice(0, i) + chars[Math.floor(r() * chars.length)] + t.slice(i + 1);
  },
  number: (t, r) => t.replace(/\d+(\.\d+)?/g, (m) => (r() < 0.05 ? ['1e400', '-1e400', '1.5', '"NaN"', '18446744073709551616', '-1'][Math.floor(r() * 6)]! : m)),
  oneof: (t) => t.replace(/\{"stringValue":"([^"]*)"\}/, '{"stringValue":"$1","intValue":"1"}'),
  truncate: (t, r) => t.slice(0, Math.floor(r() * t.length)),
};

export async function runCampaign(opts: { cases: number; seed: number; budgetMs: number; log?: (l: string) => void }): Promise<CampaignResult> {
  const t0 = Date.now();
  const seeds: SdkBody[] = [...(await captureSdkBodies('proto')), ...(await captureSdkBodies('json'))];
  const proto = seeds.filter((s) => s.wire === 'proto');
  const json = seeds.filter((s) => s.wire === 'json');
  if (proto.length === 0 || json.length === 0) throw new Error('the SDK produced no bodies');
  const py = await PythonOtlp.start();
  const r = rng(opts.seed);
  const names = Object.keys(MUTATORS);
  const res: CampaignResult = { cases: 0, accepted: 0, rejected: 0, deliberate: 0, jsonCases: 0, jsonAccepted: 0, disagreements: [], seconds: 0 };
  try {
    // the unmutated seeds first: both sides must accept them
    const pending: Promise<void>[] = [];
    const judge = (signal: Signal, body: Buffer, mutation: string): void => {
      let ours = 'accepted';
      let ok = true;
      try {
        scanRequest(signal, body);
      } catch (e) {
        ok = false;
        ours = (e as Error).message;
      }
      res.cases++;
      if (ok) res.accepted++;
      else res.rejected++;
      pending.push(
        py.parseProto(signal, body).then((v) => {
          if (ok && !v.ok) res.disagreements.push({ kind: 'false-accept', signal, mutation, ours, reference: v.text.slice(0, 200), hex: body.toString('hex').slice(0, 400) });
          if (!ok && v.ok) {
            if (DELIBERATE.some((re) => re.test(ours))) res.deliberate++;
            else res.disagreements.push({ kind: 'false-reject', signal, mutation, ours, reference: 'decoded', hex: body.toString('hex').slice(0, 400) });
          }
        }),
      );
    };
    for (const s of proto) judge(s.signal, s.body, 'none');
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
      if (pending.length >= 200) await Promise.all(pending.splice(0));
      // JSON: one case for every ten protobuf cases
      if (res.cases % 10 === 0) {
        const j = json[Math.floor(r() * json.length)]!;
        const jm = Object.keys(JSON_MUTATORS)[Math.floor(r() * Object.keys(JSON_MUTATORS).length)]!;
        const text = JSON_MUTATORS[jm]!(j.body.toString('utf8'), r);
        res.jsonCases++;
        let bytes: Uint8Array | undefined;
        try {
          bytes = encodeRequest(j.signal, parseOtlpJson(text));
          scanRequest(j.signal, bytes);
        } catch {
          bytes = undefined;
        }
        if (bytes) {
          res.jsonAccepted++;
          const signal = j.signal;
          const b = Buffer.from(bytes);
          pending.push(
            py.parseProto(signal, b).then((v) => {
              if (!v.ok) res.disagreements.push({ kind: 'false-accept', signal, mutation: `json:${jm}`, ours: 'accepted', reference: v.text.slice(0, 200), hex: b.toString('hex').slice(0, 400) });
            }),
          );
        }
      }
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
  return `protobuf cases ${r.cases} (accepted ${r.accepted}, rejected ${r.rejected}, of which ${r.deliberate} deliberately stricter than protobuf), OTLP/JSON cases ${r.jsonCases} (accepted ${r.jsonAccepted}); false accepts ${fa}, false rejects ${fr}; ${r.seconds.toFixed(1)} s`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cases = Number(process.argv[2] ?? 100_000);
  const seed = Number(process.argv[3] ?? 15);
  const r = await runCampaign({ cases, seed, budgetMs: 30 * 60_000 });
  console.log(`fuzz (seed ${seed}): ${summary(r)}`);
  for (const d of r.disagreements.slice(0, 20)) console.log(JSON.stringify(d));
  process.exit(r.disagreements.length === 0 ? 0 : 1);
}
