// A minimal protobuf walk, independent of the collector's own scanner, for counting what
// arrived: visits the offset of every span's trace_id in ExportTraceServiceRequest bytes
// (resource_spans 1 → scope_spans 2 → spans 2 → trace_id 1) and counts metric data points in
// ExportMetricsServiceRequest bytes.

function varint(b: Uint8Array, p: { i: number }): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    const x = b[p.i++];
    if (x === undefined) throw new Error('truncated varint');
    v += (x & 0x7f) * mul;
    if (x < 0x80) return v;
    mul *= 128;
  }
}

/** Calls `each(field, start, end, wireType)` for every field of the message in [start, end). */
export function everyField(b: Uint8Array, start: number, end: number, each: (field: number, s: number, e: number, wt: number) => void): void {
  const p = { i: start };
  while (p.i < end) {
    const tag = varint(b, p);
    const wt = tag & 7;
    const s = p.i;
    if (wt === 0) varint(b, p);
    else if (wt === 1) p.i += 8;
    else if (wt === 5) p.i += 4;
    else if (wt === 2) {
      const len = varint(b, p);
      if (p.i + len > end) throw new Error('field overruns its message');
      each(tag >>> 3, p.i, p.i + len, wt);
      p.i += len;
      continue;
    } else throw new Error(`wire type ${wt}`);
    each(tag >>> 3, s, p.i, wt);
  }
}

/** Calls `each(field, start, end)` for every length-delimited field of the message in [start, end). */
export function fields(b: Uint8Array, start: number, end: number, each: (field: number, s: number, e: number) => void): void {
  everyField(b, start, end, (f, s, e, wt) => {
    if (wt === 2) each(f, s, e);
  });
}

/** `each(start, end)` for every span message. */
export function forEachSpan(b: Uint8Array, each: (start: number, end: number) => void): void {
  fields(b, 0, b.length, (f, s, e) => {
    if (f !== 1) return;
    fields(b, s, e, (f2, s2, e2) => {
      if (f2 !== 2) return;
      fields(b, s2, e2, (f3, s3, e3) => {
        if (f3 === 2) each(s3, e3);
      });
    });
  });
}

/** `each(offset)` for each span's 16-byte trace id. */
export function forEachTraceId(b: Uint8Array, each: (offset: number) => void): void {
  forEachSpan(b, (s, e) =>
    fields(b, s, e, (f, s2, e2) => {
      if (f === 1 && e2 - s2 === 16) each(s2);
    }),
  );
}

/** Data points of every metric (gauge 5, sum 7, histogram 9, exp. histogram 10, summary 11). */
export function countDataPoints(b: Uint8Array): number {
  let n = 0;
  fields(b, 0, b.length, (f, s, e) => {
    if (f !== 1) return;
    fields(b, s, e, (f2, s2, e2) => {
      if (f2 !== 2) return;
      fields(b, s2, e2, (f3, s3, e3) => {
        if (f3 !== 2) return;
        fields(b, s3, e3, (f4, s4, e4) => {
          if (f4 === 5 || f4 === 7 || f4 === 9 || f4 === 10 || f4 === 11) fields(b, s4, e4, (f5) => (n += f5 === 1 ? 1 : 0));
        });
      });
    });
  });
  return n;
}
