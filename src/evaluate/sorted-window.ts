/**
 * Medians and MADs over windows that slide forward along a series, for the learned band: a window of a day
 * of 5-minute points is kept sorted as it slides (one insertion and one removal a step), so judging every
 * point of a 21-day history costs a few microseconds a point instead of a selection over 288 values.
 */

/** The k-th smallest of `xs[0..n)` (Hoare's selection, O(n) on average), reordering them in place. */
export function selectInPlace(xs: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = xs[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i]! < pivot) i++;
      while (xs[j]! > pivot) j--;
      if (i <= j) {
        const x = xs[i]!;
        xs[i++] = xs[j]!;
        xs[j--] = x;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return xs[k]!;
}

/** Median of `xs[0..n)`, reordering them in place; NaN when n is 0. */
export function medianInPlace(xs: Float64Array, n: number): number {
  if (n === 0) return NaN;
  const upper = selectInPlace(xs, n, n >> 1);
  if (n % 2) return upper;
  // After selecting the upper middle, everything before it is no larger: the lower middle is their maximum.
  let lower = xs[0]!;
  for (let i = 1; i < n >> 1; i++) if (xs[i]! > lower) lower = xs[i]!;
  return (lower + upper) / 2;
}

/**
 * The values of an index range [lo, hi) of a series, sorted, as the range slides forward. `valueOf(j)` must
 * give the same value every time it is asked about j (NaN = no value: left out). A range that moves back is
 * rebuilt.
 */
export class SortedWindow {
  private readonly sorted: Float64Array;
  private size = 0;
  private lo = 0;
  private hi = 0;

  constructor(capacity: number, private readonly valueOf: (j: number) => number) {
    this.sorted = new Float64Array(capacity);
  }

  get count(): number {
    return this.size;
  }

  /** Makes the window hold the values of the indices [lo, hi). */
  cover(lo: number, hi: number): this {
    if (lo < this.lo || hi < this.hi || lo >= this.hi) {
      this.size = 0;
      this.lo = this.hi = lo;
    }
    for (; this.lo < lo; this.lo++) this.remove(this.valueOf(this.lo));
    for (; this.hi < hi; this.hi++) this.insert(this.valueOf(this.hi));
    return this;
  }

  /** First position whose value is >= v. */
  private position(v: number): number {
    let a = 0;
    let b = this.size;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (this.sorted[mid]! < v) a = mid + 1;
      else b = mid;
    }
    return a;
  }

  private insert(v: number): void {
    if (Number.isNaN(v)) return;
    const at = this.position(v);
    this.sorted.copyWithin(at + 1, at, this.size);
    this.sorted[at] = v;
    this.size++;
  }

  private remove(v: number): void {
    if (Number.isNaN(v)) return;
    const at = this.position(v);
    this.sorted.copyWithin(at, at + 1, this.size);
    this.size--;
  }

  /** NaN when empty. */
  median(): number {
    const n = this.size;
    if (n === 0) return NaN;
    return n % 2 ? this.sorted[n >> 1]! : (this.sorted[n / 2 - 1]! + this.sorted[n / 2]!) / 2;
  }

  /** Median absolute deviation from `m` (the median): the distances walked outward from the middle, in order. */
  mad(m: number): number {
    const n = this.size;
    if (n === 0) return NaN;
    const s = this.sorted;
    let left = (n >> 1) - (n % 2 ? 0 : 1); // the last value <= m
    let right = left + 1;
    let previous = 0;
    // The median of the n distances: the (n-1)/2-th smallest when n is odd, the mean of n/2-1 and n/2 when even.
    for (let taken = 0; ; taken++) {
      const dl = left >= 0 ? m - s[left]! : Number.POSITIVE_INFINITY;
      const dr = right < n ? s[right]! - m : Number.POSITIVE_INFINITY;
      const d = dl <= dr ? dl : dr;
      if (dl <= dr) left--;
      else right++;
      if (n % 2 && taken === (n - 1) / 2) return d;
      if (!(n % 2) && taken === n / 2) return (previous + d) / 2;
      previous = d;
    }
  }
}
