/**
 * `baseline compare A B`: metric by metric, is B faster, slower, or not significantly different from A?
 * Each row tests the raw samples of both baselines (stats.ts: bootstrap CI of the difference of medians AND
 * Mann–Whitney U), so no verdict rests on one number.
 *
 * The regression rule (exit 1): a latency row is a regression only when B is significantly slower AND the
 * lower end of the confidence interval of the slowdown is beyond the tolerance — we are confident the
 * slowdown is at least that large. A significant slowdown whose interval reaches below the tolerance is
 * reported, not failed — "within the tolerance" when the whole interval is below it, "not surely beyond" when
 * it straddles it: the gate stays quiet on noise and on acceptable changes, at the cost of needing enough
 * samples to flag a slowdown only just past the tolerance (measure longer, or lower --tolerance).
 * CPU and RSS rows are shown but never gate: their windows are a time series (RSS grows, CPU follows
 * load), which breaks the independence both tests assume.
 */
import { isRecord, own } from '../model/json.js';
import { BASELINE_FORMAT } from './baseline.js';
import { compareSamples, type CompareOptions, type SampleComparison, type Verdict } from './stats.js';

/** One metric of one hub as raw samples. */
export interface Series {
  key: string;
  label: string;
  unit: string;
  /** Lower is better and the samples are independent enough to gate on. */
  gate: boolean;
  values: number[];
}

/** The parts of a baseline file that compare needs, read tolerantly. */
export interface ComparableBaseline {
  name: string;
  startedAt: string;
  hubs: { url: string; series: Series[] }[];
}

/** Reads a parsed baseline JSON; a file of another kind or version is a problem to report, never a crash. */
export function readComparable(value: unknown): { ok: true; baseline: ComparableBaseline } | { ok: false; problem: string } {
  if (!isRecord(value) || own(value, 'format') !== BASELINE_FORMAT) return { ok: false, problem: `not an mcp-hub-monitor baseline (no "format": "${BASELINE_FORMAT}")` };
  if (own(value, 'version') !== 1) return { ok: false, problem: `baseline format version ${JSON.stringify(own(value, 'version'))} is not supported (this tool reads version 1)` };
  const hubsRaw = own(value, 'hubs');
  if (!Array.isArray(hubsRaw)) return { ok: false, problem: 'no "hubs" list' };
  const hubs = hubsRaw.filter(isRecord).map((h) => ({ url: String(own(h, 'url') ?? '?'), series: seriesOf(h) }));
  return { ok: true, baseline: { name: String(own(value, 'name') ?? '?'), startedAt: String(own(value, 'startedAt') ?? '?'), hubs } };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const records = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);
const numbers = (rows: Record<string, unknown>[], key: string): number[] => rows.map((r) => num(own(r, key))).filter((x): x is number => x !== undefined);

function seriesOf(h: Record<string, unknown>): Series[] {
  const out: Series[] = [];
  const health = own(h, 'health');
  const samples = isRecord(health) ? records(own(health, 'samples')).filter((s) => own(s, 'outcome') === 'ok') : [];
  out.push({ key: 'health_latency_ms', label: 'health round trip', unit: 'ms', gate: true, values: numbers(samples, 'latencyMs') });
  for (const p of records(own(h, 'probes'))) {
    const server = String(own(p, 'server') ?? '?');
    const alive = records(own(p, 'samples')).filter((s) => own(s, 'outcome') === 'alive');
    out.push({ key: `probe_latency_ms:${server}`, label: `MCP round trip ${server}`, unit: 'ms', gate: true, values: numbers(alive, 'latencyMs') });
  }
  const proc = own(h, 'process');
  const windows = isRecord(proc) ? records(own(proc, 'windows')) : [];
  if (windows.length) {
    const mb = (key: string) => numbers(windows, key).map((b) => b / 1_000_000);
    out.push({ key: 'hub_cpu_percent', label: 'hub CPU', unit: '%', gate: false, values: numbers(windows, 'hubCpuPercent') });
    out.push({ key: 'hub_rss_mb', label: 'hub RSS', unit: 'MB', gate: false, values: mb('hubRssBytes') });
    out.push({ key: 'children_cpu_percent', label: 'children CPU', unit: '%', gate: false, values: numbers(windows, 'childrenCpuPercent') });
    out.push({ key: 'children_rss_mb', label: 'children RSS', unit: 'MB', gate: false, values: mb('childrenRssBytes') });
  }
  return out;
}

/** One compared metric. */
export interface CompareRow {
  hubA: string;
  hubB: string;
  key: string;
  label: string;
  unit: string;
  gate: boolean;
  comparison: SampleComparison;
  verdict: Verdict;
  /** ci[0] / median(A): the smallest relative slowdown the interval allows. */
  ciLowRelative: number;
  regression: boolean;
  /** In words, e.g. "slower: +21.3% (CI +12.0% … +30.8%), beyond the 10% tolerance". */
  summary: string;
}

/** Result of compareBaselines. */
export interface BaselineComparison {
  a: { name: string; startedAt: string };
  b: { name: string; startedAt: string };
  tolerance: number;
  alpha: number;
  resamples: number;
  rows: CompareRow[];
  /** Hubs or metrics present on one side only. */
  unmatched: string[];
  regressions: number;
}

/** Options of compareBaselines: the regression tolerance as a fraction (0.1 = 10 %), plus the test's knobs. */
export interface BaselineCompareOptions extends CompareOptions {
  tolerance: number;
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

function describe(c: SampleComparison, row: Pick<CompareRow, 'gate' | 'unit' | 'ciLowRelative' | 'regression'>, tolerance: number): string {
  if (c.verdict === 'insufficient_data') return `not enough samples (${c.nA} vs ${c.nB}; 8 each needed)`;
  const ci = Number.isFinite(c.medianA) && c.medianA > 0
    ? `CI ${pct(c.ci[0] / c.medianA)} … ${pct(c.ci[1] / c.medianA)}` : `CI ${c.ci[0].toFixed(3)} … ${c.ci[1].toFixed(3)} ${row.unit}`;
  const effect = `${Number.isFinite(c.relative) ? pct(c.relative) : `${c.diffMedian.toFixed(3)} ${row.unit}`} (${ci}, p ${c.p < 0.001 ? '< 0.001' : c.p.toFixed(3)})`;
  const words = row.gate ? { faster: 'faster', slower: 'slower' } : { faster: 'lower', slower: 'higher' };
  if (c.verdict === 'no_change') return `no significant change: ${effect}`;
  const word = words[c.verdict];
  if (!row.gate) return `${word}: ${effect}; not gated (a time series, not independent samples)`;
  if (c.verdict === 'faster') return `${word}: ${effect}`;
  const limit = `the ${pct(tolerance).slice(1)} tolerance`;
  if (row.regression) return `${word}: ${effect}, beyond ${limit} — regression`;
  // The whole interval below the tolerance: within it. Straddling it: maybe beyond, not shown to be.
  return c.medianA > 0 && c.ci[1] / c.medianA <= tolerance ? `${word}: ${effect}, within ${limit}` : `${word}: ${effect}, not surely beyond ${limit}`;
}

/** Pairs hubs by URL; two single-hub baselines are paired whatever their URLs (a hub restarted on another port). */
function pairHubs(a: ComparableBaseline, b: ComparableBaseline): { pairs: [ComparableBaseline['hubs'][number], ComparableBaseline['hubs'][number]][]; unmatched: string[] } {
  if (a.hubs.length === 1 && b.hubs.length === 1) return { pairs: [[a.hubs[0]!, b.hubs[0]!]], unmatched: [] };
  const pairs: [ComparableBaseline['hubs'][number], ComparableBaseline['hubs'][number]][] = [];
  const unmatched: string[] = [];
  for (const ha of a.hubs) {
    const hb = b.hubs.find((h) => h.url === ha.url);
    if (hb) pairs.push([ha, hb]);
    else unmatched.push(`hub ${ha.url} only in A`);
  }
  for (const hb of b.hubs) if (!a.hubs.some((h) => h.url === hb.url)) unmatched.push(`hub ${hb.url} only in B`);
  return { pairs, unmatched };
}

/** Compares baseline B against baseline A, metric by metric; deterministic for a given seed. */
export function compareBaselines(a: ComparableBaseline, b: ComparableBaseline, opts: BaselineCompareOptions): BaselineComparison {
  const { pairs, unmatched } = pairHubs(a, b);
  const rows: CompareRow[] = [];
  const resamples = opts.resamples ?? 2_000;
  const alpha = opts.alpha ?? 0.05;
  for (const [ha, hb] of pairs) {
    for (const sa of ha.series) {
      const sb = hb.series.find((s) => s.key === sa.key);
      if (!sb) {
        unmatched.push(`${sa.label} only in A`);
        continue;
      }
      const comparison = compareSamples(sa.values, sb.values, { ...opts, resamples, alpha });
      const ciLowRelative = comparison.medianA > 0 ? comparison.ci[0] / comparison.medianA : comparison.ci[0] > 0 ? Infinity : NaN;
      const regression = sa.gate && comparison.verdict === 'slower' && ciLowRelative > opts.tolerance;
      const row = { gate: sa.gate, unit: sa.unit, ciLowRelative, regression };
      rows.push({ hubA: ha.url, hubB: hb.url, key: sa.key, label: sa.label, ...row, comparison, verdict: comparison.verdict, summary: describe(comparison, row, opts.tolerance) });
    }
    for (const sb of hb.series) if (!ha.series.some((s) => s.key === sb.key)) unmatched.push(`${sb.label} only in B`);
  }
  return {
    a: { name: a.name, startedAt: a.startedAt },
    b: { name: b.name, startedAt: b.startedAt },
    tolerance: opts.tolerance,
    alpha,
    resamples,
    rows,
    unmatched,
    regressions: rows.filter((r) => r.regression).length,
  };
}
