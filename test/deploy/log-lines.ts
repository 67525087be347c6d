// Checks on the collector's own JSON log lines (pino) as a process prints them.

/** Top-level keys that occur more than once in one JSON object line (JSON.parse hides them). */
export function duplicateTopLevelKeys(line: string): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = line.slice(i + 1, j);
        if (seen.has(key)) dups.push(key);
        seen.add(key);
        expectKey = false;
      }
      i = j;
    } else if (ch === '{' || ch === '[') {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (ch === '}' || ch === ']') depth--;
    else if (ch === ',' && depth === 1) expectKey = true;
  }
  return dups;
}

/** Every JSON log line of `output` with a duplicated key, as "key: line". */
export function linesWithDuplicateKeys(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => duplicateTopLevelKeys(l).map((k) => `${k}: ${l.slice(0, 300)}`));
}
