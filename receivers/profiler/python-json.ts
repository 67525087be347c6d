// JSON as Python and PyTorch write it: standard JSON plus bare non-finite numbers. Python's
// json.dumps writes NaN, Infinity and -Infinity (allow_nan=True, the default); JSON put together
// with str() / % / f-strings (as torch.autograd.profiler's export_chrome_trace does, for speed)
// gets Python's nan, inf and -inf; Kineto's C++ writes kernel args such as "blocks per SM" with
// std::to_string / fmt: nan, -nan, inf. A diverged training step logs exactly those, so they are
// read as the IEEE values instead of failing the line. Plain JSON takes the fast path.

const SENTINEL = '\u0000atc-nonfinite:';
/** longest first: "-Infinity" before "-inf", "Infinity" before "inf" would not match anyway */
const TOKENS = ['-Infinity', 'Infinity', 'NaN', '-nan', '-inf', 'nan', 'inf'];
const VALUES: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, nan: NaN, '-nan': NaN, inf: Infinity, '-inf': -Infinity };
const FIRST = new Set(TOKENS.map((t) => t.charCodeAt(0)));
const MAYBE = /NaN|Infinity|nan|inf/;

/** whether the character code can continue a bare word (a token must end before one) */
const wordChar = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;

/** JSON.parse that also accepts NaN, Infinity, -Infinity, nan, -nan, inf and -inf outside strings. */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!MAYBE.test(text)) throw e;
    const rewritten = rewriteNonFinite(text);
    if (rewritten === undefined) throw e;
    try {
      return JSON.parse(rewritten, (_k, v: unknown) => (typeof v === 'string' && v.startsWith(SENTINEL) ? VALUES[v.slice(SENTINEL.length)] : v));
    } catch {
      throw e; // still not JSON: the error about the text as written
    }
  }
}

/** The text with each bare non-finite token as a sentinel string; undefined if none. */
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
    const token = FIRST.has(c) ? TOKENS.find((t) => text.startsWith(t, i) && !wordChar(text.charCodeAt(i + t.length))) : undefined;
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
