// PLACEHOLDER until branch m-band merges: replaced wholesale
/**
 * The learned band of a series (placeholder): `learning` before min history, then a non-seasonal robust
 * band (median and MAD of the last 24 h). Pure.
 */
export interface SeriesPoint { t: number; v: number }
export interface BandSettings { k: number; absMargin: number; relMargin: number; minHistoryMs: number }
export type BandMode = 'learning' | 'robust' | 'daily' | 'weekly';
export type Band =
  | { mode: 'learning'; progress: number }
  | { mode: 'robust' | 'daily' | 'weekly'; expected: number; lower: number; upper: number; sigma: number };
export interface JudgedPoint { t: number; v: number; band: Band; anomalous: boolean }

export const STEP_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The band at time t from the points strictly before t. */
export function bandAt(history: readonly SeriesPoint[], t: number, s: BandSettings): Band {
  const before = history.filter((p) => p.t < t);
  const span = before.length === 0 ? 0 : t - Math.min(...before.map((p) => p.t));
  if (span < s.minHistoryMs) return { mode: 'learning', progress: Math.max(0, Math.min(1, span / s.minHistoryMs)) };
  const recent = before.filter((p) => p.t >= t - DAY_MS).map((p) => p.v);
  const values = recent.length > 0 ? recent : before.map((p) => p.v);
  const expected = median(values);
  const sigma = 1.4826 * median(values.map((v) => Math.abs(v - expected)));
  const margin = Math.max(s.k * sigma, s.absMargin, s.relMargin * Math.abs(expected));
  return { mode: 'robust', expected, lower: expected - margin, upper: expected + margin, sigma };
}

/** Every point with t >= from judged against the band learnt from the points before it. */
export function judgePoints(history: readonly SeriesPoint[], from: number, s: BandSettings): JudgedPoint[] {
  return history.filter((p) => p.t >= from).map((p) => {
    const band = bandAt(history, p.t, s);
    return { t: p.t, v: p.v, band, anomalous: band.mode !== 'learning' && (p.v < band.lower || p.v > band.upper) };
  });
}

/** Bucket raw (t, v) samples into STEP-wide medians (STEP = 5 min). */
export function bucketPoints(samples: readonly SeriesPoint[], stepMs: number = STEP_MS): SeriesPoint[] {
  const buckets = new Map<number, number[]>();
  for (const p of samples) {
    const b = Math.floor(p.t / stepMs) * stepMs;
    const list = buckets.get(b);
    if (list) list.push(p.v);
    else buckets.set(b, [p.v]);
  }
  return [...buckets].sort((a, b) => a[0] - b[0]).map(([t, vs]) => ({ t, v: median(vs) }));
}
