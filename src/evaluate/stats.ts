/**
 * Small, dependency-free statistics for baselines: quantiles, a seeded PRNG, a bootstrap confidence interval
 * of the difference of medians, and the Mann–Whitney U test. `compareSamples` asks both tests and calls a
 * change significant only when they agree, so no verdict ever rests on a single number (issue E).
 * Pure: the same samples and seed always give the same answer.
 */

/** Quantile `q` (0..1) of an ascending array by linear interpolation (Hyndman–Fan type 7, as R and NumPy); NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(n - 1, lo + 1)] as number;
  return a + (h - lo) * (b - a);
}

/** Ascending copy of the finite values. */
export function sortedFinite(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((x, y) => x - y);
}

/** Quantile `q` of unsorted values (non-finite ones ignored); NaN when none. */
export function quantile(values: readonly number[], q: number): number {
  return quantileSorted(sortedFinite(values), q);
}

/** Median of unsorted values; NaN when none. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Count, min, mean, p50, p95, p99 and max of the finite values; undefined when there are none. */
export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Summarises values, each statistic rounded to `digits` decimals so every rendering shows the same number. */
export function summarize(values: readonly number[], digits = 3): Summary | undefined {
  const s = sortedFinite(values);
  if (s.length === 0) return undefined;
  const r = (x: number) => Number(x.toFixed(digits));
  const mean = s.reduce((t, v) => t + v, 0) / s.length;
  return {
    count: s.length, min: r(s[0] as number), mean: r(mean), p50: r(quantileSorted(s, 0.5)),
    p95: r(quantileSorted(s, 0.95)), p99: r(quantileSorted(s, 0.99)), max: r(s[s.length - 1] as number),
  };
}

/** mulberry32: a tiny seeded PRNG returning uniforms in [0, 1); good enough for resampling, not for secrets. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Median of one resample (n draws with replacement) of an ascending array, in O(n): because the source is
 * sorted, the resample's order statistics are those of the drawn indices, which a counting pass finds without
 * sorting. The same draws give exactly the median a sort would (type 7: the mean of the two middle values).
 */
function resampledMedian(sorted: readonly number[], counts: Uint32Array, rand: () => number): number {
  const n = sorted.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) (counts[Math.floor(rand() * n)] as number)++;
  const lo = (n - 1) >> 1;
  const hi = n >> 1;
  let seen = 0;
  let low = NaN;
  for (let j = 0; j < n; j++) {
    seen += counts[j] as number;
    if (Number.isNaN(low) && seen > lo) low = sorted[j] as number;
    if (seen > hi) return (low + (sorted[j] as number)) / 2;
  }
  return low;
}

/** Options of bootstrapMedianDiff. */
export interface BootstrapOptions {
  /** Resamples drawn (default 2,000). */
  resamples?: number;
  /** Two-sided confidence level (default 0.95). */
  confidence?: number;
  /** PRNG seed (default 1): the same inputs and seed give the same interval. */
  seed?: number;
}

/**
 * Percentile bootstrap confidence interval of median(b) − median(a): each resample draws both groups
 * independently with replacement. Returns [lo, hi]; [NaN, NaN] when a group is empty.
 */
export function bootstrapMedianDiff(a: readonly number[], b: readonly number[], opts: BootstrapOptions = {}): [number, number] {
  const sa = sortedFinite(a);
  const sb = sortedFinite(b);
  if (sa.length === 0 || sb.length === 0) return [NaN, NaN];
  const resamples = Math.max(100, Math.floor(opts.resamples ?? 2_000));
  const alpha = 1 - (opts.confidence ?? 0.95);
  const rand = mulberry32(opts.seed ?? 1);
  const countsA = new Uint32Array(sa.length);
  const countsB = new Uint32Array(sb.length);
  const diffs = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) diffs[r] = resampledMedian(sb, countsB, rand) - resampledMedian(sa, countsA, rand);
  diffs.sort();
  return [quantileSorted(diffs, alpha / 2), quantileSorted(diffs, 1 - alpha / 2)];
}

/** Standard normal CDF via erf (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7: plenty for a p-value). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Result of mannWhitneyU: U of `a`, the normal-approximation z and the two-sided p-value. */
export interface MannWhitney {
  u: number;
  z: number;
  p: number;
}

/**
 * Two-sided Mann–Whitney U test, normal approximation with tie correction and continuity correction.
 * Fine from about 8 samples per group; p = 1 when either group is empty or every value is tied.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitney {
  const sa = sortedFinite(a);
  const sb = sortedFinite(b);
  const n1 = sa.length;
  const n2 = sb.length;
  if (n1 === 0 || n2 === 0) return { u: NaN, z: 0, p: 1 };
  const all = [...sa.map((v) => ({ v, g: 0 })), ...sb.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const n = all.length;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    const rank = (i + j + 2) / 2; // ranks are 1-based; tied values share the average
    for (let k = i; k <= j; k++) if ((all[k] as { g: number }).g === 0) rankSumA += rank;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, z: 0, p: 1 };
  const diff = u - mean;
  const z = (Math.sign(diff) * Math.max(0, Math.abs(diff) - 0.5)) / Math.sqrt(variance);
  return { u, z, p: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))) };
}

/** faster/slower: b's values are significantly lower/higher than a's (for a latency, lower is faster). */
export type Verdict = 'faster' | 'slower' | 'no_change' | 'insufficient_data';

/** Options of compareSamples. */
export interface CompareOptions extends BootstrapOptions {
  /** Significance level of both tests (default 0.05; the bootstrap interval is then 95 %). */
  alpha?: number;
  /** Fewest samples per group for any verdict (default 8, where the U test's normal approximation holds). */
  minSamples?: number;
}

/** How sample b (the candidate) differs from sample a (the reference). */
export interface SampleComparison {
  verdict: Verdict;
  nA: number;
  nB: number;
  medianA: number;
  medianB: number;
  /** median(b) − median(a). */
  diffMedian: number;
  /** diffMedian / median(a); NaN when median(a) is 0. */
  relative: number;
  /** Bootstrap interval of diffMedian. */
  ci: [number, number];
  /** Mann–Whitney two-sided p-value. */
  p: number;
}

/**
 * Compares b against a. A change is significant only when the bootstrap interval of the difference of
 * medians excludes 0 AND the Mann–Whitney p-value is below alpha: two different tests must agree, which
 * keeps false alarms on same-distribution draws under alpha (measured in stats.test.ts).
 */
export function compareSamples(a: readonly number[], b: readonly number[], opts: CompareOptions = {}): SampleComparison {
  const alpha = opts.alpha ?? 0.05;
  const medianA = median(a);
  const medianB = median(b);
  const nA = sortedFinite(a).length;
  const nB = sortedFinite(b).length;
  const diffMedian = medianB - medianA;
  const relative = medianA !== 0 ? diffMedian / medianA : NaN;
  const base = { nA, nB, medianA, medianB, diffMedian, relative };
  if (Math.min(nA, nB) < (opts.minSamples ?? 8)) return { verdict: 'insufficient_data', ...base, ci: [NaN, NaN], p: NaN };
  const ci = bootstrapMedianDiff(a, b, { ...opts, confidence: 1 - alpha });
  const { p } = mannWhitneyU(a, b);
  const significant = p < alpha && (ci[0] > 0 || ci[1] < 0);
  const verdict: Verdict = !significant ? 'no_change' : ci[0] > 0 ? 'slower' : 'faster';
  return { verdict, ...base, ci, p };
}
