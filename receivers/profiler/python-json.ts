// JSON as Python's json.dumps writes it: standard JSON plus the bare tokens NaN, Infinity and
// -Infinity (allow_nan=True, the default). A diverged training step logs exactly those, so they
// are read as the IEEE values instead of failing the line. Plain JSON takes the fast path.

const SENTINEL = '\u0000atc-nonfinite:';
const TOKENS = ['-Infinity', 'Infinity', 'NaN'];
const VALUES: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** JSON.parse that also accepts NaN, Infinity and -Infinity outside strings. */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!/NaN|Infinity/.test(text)) throw e;
    const rewritten = rewriteNonFinite(text);
    if (rewritten === undefined) throw e;
    return JSON.parse(rewritten, (_k, v: unknown) => (typeof v === 'string' && v.startsWith(SENTINEL) ? VALUES[v.slice(SENTINEL.length)] : v));
  }
}

/** The text with each bare NaN/Infinity/-Infinity token as a sentinel string; undefined if none. */
function rewriteNonFinite(text: string): string | undefined {
  let out = '';
  let last = 0;
  let found = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // skip a string, escapes included
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      i++;
      continue;
    }
    const token = c === 0x2d || c === 0x49 || c === 0x4e ? TOKENS.find((t) => text.startsWith(t, i)) : undefined;
    if (token === undefined) {
      i++;
      continue;
    }
    out += text.slice(last, i) + JSON.stringify(SENTINEL + token);
    i += token.length;
    last = i;
    found = true;
  }
  return found ? out + text.slice(last) : undefined;
}
