// Path globs as the Collector's filelog receiver takes them: `*`, `?`, `[abc]`, `{a,b}` within
// a path segment and `**` for any number of directories. Expanded by walking only the
// directories a pattern can reach.
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join, sep } from 'node:path';

function segmentRe(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let body = seg.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = seg.indexOf('}', i + 1);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${seg.slice(i + 1, end).split(',').map(escapeRe).join('|')})`;
        i = end;
      }
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const hasMagic = (s: string): boolean => /[*?[{]/.test(s);

/** A whole-path matcher, for `exclude`. */
export function globToRegExp(pattern: string): RegExp {
  const parts = pattern.split('/').map((seg) => (seg === '**' ? null : segmentRe(seg).source.slice(1, -1)));
  let re = '';
  parts.forEach((p, i) => {
    if (p === null) re += i === parts.length - 1 ? '.*' : '(?:[^/]*/)*';
    else re += p + (i < parts.length - 1 ? '/' : '');
  });
  return new RegExp(`^${re.replace(/\/\/+/g, '/')}$`);
}

/** A path the walk could not stat (a symlink loop: ELOOP), reported and skipped. */
export type GlobError = (path: string, err: NodeJS.ErrnoException) => void;

/** Regular files matching `pattern` (absolute). Unstat-able paths go to `onError`, never throw. */
export function expandGlob(pattern: string, out: Set<string> = new Set(), onError: GlobError = () => {}): Set<string> {
  const segs = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  walk(segs[0] === '' ? '/' : segs[0]!, segs, 1, out, onError);
  return out;
}

function walk(dir: string, segs: string[], i: number, out: Set<string>, onError: GlobError): void {
  if (i === segs.length) return;
  const seg = segs[i]!;
  const last = i === segs.length - 1;
  if (seg === '**') {
    walk(dir, segs, i + 1, out, onError); // zero directories
    for (const e of list(dir)) if (e.isDirectory()) walk(join(dir, e.name), segs, i, out, onError);
    return;
  }
  if (!hasMagic(seg)) {
    const p = join(dir, seg);
    if (last) {
      if (kind(p, onError) === 'file') out.add(p);
    } else walk(p, segs, i + 1, out, onError);
    return;
  }
  const re = segmentRe(seg);
  for (const e of list(dir)) {
    if (!re.test(e.name)) continue;
    const p = dir === sep ? sep + e.name : join(dir, e.name);
    if (last) {
      if (e.isFile() || (e.isSymbolicLink() && kind(p, onError) === 'file')) out.add(p);
    } else if (e.isDirectory() || (e.isSymbolicLink() && kind(p, onError) === 'dir')) walk(p, segs, i + 1, out, onError);
  }
}

function list(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** What `p` resolves to; a symlink loop (ELOOP) or other stat failure is reported, not thrown. */
function kind(p: string, onError: GlobError): 'file' | 'dir' | undefined {
  try {
    const st = statSync(p, { throwIfNoEntry: false });
    return st?.isFile() ? 'file' : st?.isDirectory() ? 'dir' : undefined;
  } catch (e) {
    onError(p, e as NodeJS.ErrnoException);
    return undefined;
  }
}
