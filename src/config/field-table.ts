// A field table describes every key of one config mapping: its type, default, bounds and a
// description. `Fields` validates against it and docs/configuration.md is generated from it,
// so a key cannot be accepted without being documented.

export type FieldType =
  | 'string'
  | 'bool'
  | 'number'
  | 'integer'
  | 'bytes'
  | 'duration'
  | 'endpoint'
  | 'enum'
  | 'strings'
  | 'map'
  | 'section'
  | 'sections'
  | 'named'
  | 'custom';

export interface FieldSpec {
  readonly type: FieldType;
  /** one or two sentences for the reference; required and never empty */
  readonly doc: string;
  /** used when the key is absent (and shown in the reference) */
  readonly default?: unknown;
  /** the reference's default column when the default is computed or not a plain value */
  readonly defaultText?: string;
  /** number/integer: value bounds; bytes: bytes; duration: milliseconds */
  readonly min?: number;
  readonly max?: number;
  /** string/strings: an empty value (or list) is a problem */
  readonly nonEmpty?: boolean;
  /** the key must be present */
  readonly required?: boolean;
  /** enum: the accepted words */
  readonly values?: readonly string[];
  /** section/sections/named: the table of the nested mapping, of each list item, or of each named entry */
  readonly fields?: FieldTable;
  /** custom: how the reference names the type (the component reads the raw value itself) */
  readonly typeText?: string;
  /** a further rule on a present, well-typed value: returns the problem, if any */
  readonly check?: (value: never) => string | undefined;
}

export interface FieldTable {
  readonly [key: string]: FieldSpec;
}

/** Declares a table; `const` keeps enum words and defaults literal for `Fields.get`'s type. */
export function fieldTable<const T extends FieldTable>(table: T): T {
  return table;
}

type BaseValue<S> = S extends { type: 'enum'; values: readonly (infer V)[] }
  ? V
  : S extends { type: 'bool' }
    ? boolean
    : S extends { type: 'number' | 'integer' | 'bytes' | 'duration' }
      ? number
      : S extends { type: 'string' | 'endpoint' }
        ? string
        : S extends { type: 'strings' }
          ? string[]
          : S extends { type: 'map' }
            ? Record<string, string>
            : unknown;

/** What `Fields.get` returns for a spec: lists and maps default to empty, others to undefined. */
export type FieldValue<S> = S extends { default: unknown }
  ? BaseValue<S>
  : S extends { type: 'strings' | 'map' | 'bool' }
    ? BaseValue<S>
    : BaseValue<S> | undefined;

export type SubTable<S> = S extends { fields: infer F extends FieldTable } ? F : FieldTable;
