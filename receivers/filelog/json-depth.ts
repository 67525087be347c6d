// How deep a JSON text nests, found without parsing it and without recursion, so a hostile
// log line can be kept as a plain string before anything recursive touches it.

/**
 * Lines nested deeper than this keep their text as the body (no attributes are taken out).
 * Application logs rarely pass a handful of levels; nested values past 8 levels are already
 * written as JSON text (see writeAnyValue in src/otlp/attributes-writer.ts).
 */
export const MAX_JSON_DEPTH = 64;

/** True when `text` opens more than `limit` objects/arrays at once (strings are skipped). */
export function jsonDeeperThan(text: string, limit: number): boolean {
  // Nesting never exceeds the number of brackets in the text, and counting them with indexOf
  // (native) is several times cheaper than the character loop below, which ran on every
  // JSON log line and cost ~12 % of record building: most lines hold a handful of brackets.
  if (!bracketsMoreThan(text, limit)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}

function bracketsMoreThan(text: string, limit: number): boolean {
  let n = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++n > limit) return true;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++n > limit) return true;
  return false;
}
