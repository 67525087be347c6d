// Where the numbers of a target's last in-place request lie in its bytes. A target's body
// usually repeats the last one's families and series in the same order with new values; its
// request then differs from the last one only in fixed-width fields (NumberDataPoint start time,
// time and double value), so ScrapeEncoder overwrites those in the last request's buffer
// instead of writing 16 MiB again. Anything else (a family, help text or series that differs,
// one more or one fewer point) and the request is written whole.
import type { FamilyType } from './parser.js';
import type { Series } from './series-cache.js';

/** A family as the request wrote it: its metadata and the number of its samples (points and dropped). */
interface FamilyShape {
  name: string;
  type: FamilyType;
  help: string;
  unit: string;
  samples: number;
}

export class RequestLayout {
  /** false: the builder's buffer does not hold a request this layout describes */
  valid = false;
  private families: FamilyShape[] = [];
  /** each point's series, in the request's order */
  private series: Series[] = [];
  /** where each point ends: its double value is the 8 bytes before, its time 9 before that, its start 9 before that */
  private ends = new Int32Array(4096);
  private points = 0;
  private extraNames: string[] = [];
  private extraEnds: number[] = [];
  /** bytes the points moved after they were written (the length prefixes of their resource and scope entries) */
  private shift = 0;

  /** Starts describing a request being written whole (not valid until `commit`). */
  begin(): void {
    this.valid = false;
    this.families.length = 0;
    this.series.length = 0;
    this.points = 0;
    this.extraNames.length = 0;
    this.extraEnds.length = 0;
  }

  family(name: string, type: FamilyType, help: string, unit: string, samples: number): void {
    this.families.push({ name, type, help, unit, samples });
  }

  point(s: Series, end: number): void {
    if (this.points === this.ends.length) {
      const e = new Int32Array(this.ends.length * 2);
      e.set(this.ends);
      this.ends = e;
    }
    this.series[this.points] = s;
    this.ends[this.points++] = end;
  }

  extra(name: string, end: number): void {
    this.extraNames.push(name);
    this.extraEnds.push(end);
  }

  /** The request is complete; its points moved by `shift` bytes since `point` and `extra` were told where they end. */
  commit(shift: number): void {
    this.shift = shift;
    this.valid = true;
  }

  /** Whether family `i` of the next request has this metadata and sample count. */
  sameFamily(i: number, name: string, type: FamilyType, help: string, unit: string, samples: number): boolean {
    const f = this.families[i];
    return f !== undefined && f.name === name && f.type === type && f.help === help && f.unit === unit && f.samples === samples;
  }

  get familyCount(): number {
    return this.families.length;
  }

  get pointCount(): number {
    return this.points;
  }

  /** Whether point `k` of the next request is of the same series. */
  samePoint(k: number, s: Series): boolean {
    return this.series[k] === s;
  }

  sameExtras(names: readonly { name: string }[]): boolean {
    if (names.length !== this.extraNames.length) return false;
    for (let i = 0; i < names.length; i++) if (names[i]!.name !== this.extraNames[i]) return false;
    return true;
  }

  /** Where point `k` ends. */
  end(k: number): number {
    return this.ends[k]! + this.shift;
  }

  extraEnd(i: number): number {
    return this.extraEnds[i]! + this.shift;
  }
}
