// The OTLP schema compiled for the scanner: per message, an Int32Array indexed by field number
// whose entries pack everything the scanner checks into one small integer. Scanning then
// reads typed arrays only (no property lookups on differently shaped field objects, which
// made the hot loop megamorphic).
import { MESSAGES, isPackable, wireTypeOf, type MessageDef } from './schema.js';

/** bits 0-2: the field's expected wire type */
export const WT_MASK = 0x7;
/** the entry describes a field of the schema (0 = unknown field) */
export const KNOWN = 1 << 3;
/** bits 4-5: what to check in a length-delimited value */
export const KIND_MASK = 0x3 << 4;
export const KIND_MESSAGE = 1 << 4;
export const KIND_STRING = 2 << 4;
export const KIND_ID = 3 << 4;
/** entries of this field are the items the signal counts */
export const COUNTS = 1 << 6;
/** repeated numeric field: also accepted packed (wire type 2) */
export const PACKABLE = 1 << 7;
/** bits 8-10: wire type of one packed element */
export const ELEM_WT_SHIFT = 8;
/** bits 11-15: required length of an id field when not empty */
export const ID_LEN_SHIFT = 11;
/** bits 16-30: index of the nested message's table */
export const CHILD_SHIFT = 16;

export interface CompiledSchema {
  tables: Int32Array[];
  defs: MessageDef[];
  index: Map<string, number>;
}

function compile(): CompiledSchema {
  const defs = [...MESSAGES.values()];
  const index = new Map(defs.map((d, i) => [d.name, i]));
  const tables = defs.map((d) => {
    const max = d.fields.reduce((m, f) => Math.max(m, f.no), 0);
    const t = new Int32Array(max + 1);
    for (const f of d.fields) {
      let code = KNOWN | f.wt;
      if (f.type === 'message') code |= KIND_MESSAGE | (index.get(f.msg!)! << CHILD_SHIFT);
      else if (f.type === 'string') code |= KIND_STRING;
      else if (f.type === 'id') code |= KIND_ID | (f.idLen! << ID_LEN_SHIFT);
      if (f.counts) code |= COUNTS;
      if (f.repeated && isPackable(f.type)) code |= PACKABLE | (wireTypeOf(f.type) << ELEM_WT_SHIFT);
      t[f.no] = code;
    }
    return t;
  });
  return { tables, defs, index };
}

export const COMPILED: CompiledSchema = compile();
