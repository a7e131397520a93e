/**
 * How the daemon's alert lifecycle maps onto Prometheus rule timing. The daemon fires on the
 * failure_threshold-th consecutive failing evaluation, `for` after the first one; a Prometheus alert is
 * pending from its first failing evaluation. So one equals the other when
 *   for:             (failure_threshold - 1) × evaluation period + alerting.for
 *   keep_firing_for: (success_threshold - 1) × evaluation period + alerting.keep_firing_for
 * where the evaluation period is how often the daemon judges that rule (a poll, a probe round, an SLO pass).
 */
import type { RuleSettings } from '../alerts/lifecycle.js';

const UNITS: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000], ['ms', 1]];

/** A Prometheus duration for milliseconds: 0 → "0s", 10_000 → "10s", 90_000 → "1m30s", 86_400_000 → "1d". */
export function promDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** The Prometheus `for` (ms) equivalent to a rule's failure_threshold and `for`, judged every `periodMs`. */
export function forMsOf(s: RuleSettings, periodMs: number): number {
  return Math.max(0, s.failureThreshold - 1) * periodMs + s.forMs;
}

/** The Prometheus `keep_firing_for` (ms) equivalent to a rule's success_threshold and keep_firing_for. */
export function keepFiringMsOf(s: RuleSettings, periodMs: number): number {
  return Math.max(0, s.successThreshold - 1) * periodMs + s.keepFiringForMs;
}

/** A number as PromQL text without float noise: 1 - 0.999 → "0.001". */
export function promNumber(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(12))) : x > 0 ? '+Inf' : x < 0 ? '-Inf' : 'NaN';
}
