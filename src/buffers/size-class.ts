// Buffer sizes in classes (powers of two and one and a half times them: 64 KiB, 96 KiB, 128 KiB,
// 192 KiB …) so that buffers handed back for reuse fit the next request for one. Sized to the
// byte, batches of a steady load vary by ±20 % around their mean: about half the spares were too
// small for the next batch, and every miss allocated a new buffer, whose external memory V8 then
// answered with a full collection every few seconds (docs/benchmarks.md, "Issue 18, eighth pass").

/** The smallest class size ≥ n (≥ `min`): 2^k or 3·2^(k-1). */
export function sizeClass(n: number, min = 1024): number {
  if (n <= min) return min;
  let p = 1;
  while (p < n) p *= 2;
  // p ≥ n > p/2: three quarters of p is the class between them
  const between = p / 2 + p / 4;
  return between >= n && between >= min ? between : p;
}
