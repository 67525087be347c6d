// Field numbers and precomputed field keys (tag varints) for every message of the schema
// table, so builders and readers name fields (`NO.Span.traceId`, `KEY.Span.name`) and no field
// number is written anywhere but in schema.ts. Built once at load; lookups are plain property
// reads.
import { MESSAGES, isPackable, type FieldName, type MessageName } from './schema.js';

type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

/** `{ fieldName: number }` for one message, names in OTLP/JSON lowerCamelCase. */
export type FieldTable<M extends MessageName> = { readonly [K in FieldName<M> as Camel<K>]: number };

type AllTables = { readonly [M in MessageName]: FieldTable<M> };

function tables(value: (no: number, wt: number) => number): AllTables {
  const out: Record<string, Record<string, number>> = {};
  for (const [name, def] of MESSAGES) {
    const t: Record<string, number> = {};
    // repeated scalars are written packed (wire type 2), as proto3 does
    for (const f of def.fields) t[f.json] = value(f.no, f.repeated && isPackable(f.type) ? 2 : f.wt);
    out[name] = Object.freeze(t);
  }
  return Object.freeze(out) as unknown as AllTables;
}

/** Field numbers, for comparing with `Reader.field`. */
export const NO: AllTables = tables((no) => no);

/** Field keys (`no << 3 | wire type`), for `ProtoWriter.key`. */
export const KEY: AllTables = tables((no, wt) => no * 8 + wt);
