/**
 * Automated regression detection (the guide's "Future: Medium"), pure: the live window's health and MCP
 * round-trip latencies against the pinned baseline's, with the same noise-aware test as `baseline compare`
 * (bootstrap CI of the difference of medians and Mann–Whitney U must agree). A regression is a significant
 * slowdown whose CI lower end is beyond the tolerance; "sustained" comes from the alert lifecycle (two
 * windows in a row by default), never from one number.
 */
import { compareSamples } from './stats.js';
import { finding, type Finding } from './types.js';

export interface LatencySamples {
  health: number[];
  /** Per server: MCP round trips through the hub. */
  probes: Map<string, number[]>;
}

export interface RegressionOptions {
  /** Percent, as `regression.tolerance` is written: 10 = a slowdown surely beyond 10 %. */
  tolerancePercent: number;
  /** The live window, for messages. */
  windowLabel: string;
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

function judge(hub: string, subject: string, what: string, base: number[], live: number[], baselineName: string, o: RegressionOptions): Finding {
  const c = compareSamples(base, live, { seed: 42, resamples: 1_000 });
  if (c.verdict === 'insufficient_data') {
    return finding(hub, 'baseline.regression', 'no_data', `${what}: not enough samples to compare (${c.nA} in baseline ${baselineName}, ${c.nB} in the last ${o.windowLabel})`, { subject });
  }
  const low = c.medianA > 0 ? c.ci[0] / c.medianA : NaN;
  const effect = `median ${c.medianB.toFixed(2)} ms vs ${c.medianA.toFixed(2)} ms in baseline ${baselineName}: ${pct(c.relative)} (CI ${pct(c.ci[0] / c.medianA)} … ${pct(c.ci[1] / c.medianA)}, p ${c.p < 0.001 ? '< 0.001' : c.p.toFixed(3)})`;
  if (c.verdict === 'slower' && low > o.tolerancePercent / 100) {
    return finding(hub, 'baseline.regression', 'warning', `${what} slower than the pinned baseline over the last ${o.windowLabel}: ${effect}, beyond the ${o.tolerancePercent.toFixed(1)}% tolerance`, { subject, value: Number((c.relative * 100).toFixed(1)), threshold: o.tolerancePercent });
  }
  const words = c.verdict === 'no_change' ? 'no significant change' : c.verdict === 'faster' ? 'faster' : 'slower, within tolerance';
  return finding(hub, 'baseline.regression', 'ok', `${what}: ${words}: ${effect}`, { subject, value: Number.isFinite(c.relative) ? Number((c.relative * 100).toFixed(1)) : undefined });
}

/** Findings per compared latency; none when there is no pinned baseline for this hub. */
export function evaluateRegression(hub: string, baselineName: string, pinned: LatencySamples | undefined, live: LatencySamples, o: RegressionOptions): Finding[] {
  if (!pinned) return [];
  const out = [judge(hub, 'health', 'health latency', pinned.health, live.health, baselineName, o)];
  for (const [server, base] of pinned.probes) {
    const now = live.probes.get(server);
    if (now) out.push(judge(hub, `probe:${server}`, `MCP round trip to ${server}`, base, now, baselineName, o));
  }
  return out;
}
