/**
 * The SLOs as Prometheus rules: an SLI event stream for health latency, good/total ratios over each
 * burn-rate window, and the multi-window multi-burn-rate alerts of evaluate/slo.ts (both windows of a pair
 * must burn faster than its factor). The daemon computes its ratios from its own store (one event per poll,
 * gaps while it was not running); here they come from scrapes of /metrics, which at a scrape interval equal
 * to collect.interval is one sample per poll, and have the same gaps: a daemon that is down is not scraped.
 */
import { ruleSettings } from '../alerts/lifecycle.js';
import type { MonitorConfig } from '../config/defaults.js';
import { SLO_BURN_RATES } from '../evaluate/slo.js';
import type { CommentedRule } from './rule-types.js';
import { forMsOf, keepFiringMsOf, promDuration, promNumber } from './timing.js';

/** The recorded SLI event: 1 when a poll answered within the latency threshold, 0 when slower; absent when the poll failed. */
export const HEALTH_FAST_RECORD = 'hub:mcp_hub_health_fast:bool';

/** How often the daemon evaluates its SLOs (daemon/alerting.ts): the period its burn-rate thresholds count in. */
export const SLO_EVALUATION_MS = 60_000;

type Objective = 'availability' | 'latency';

/** The recording rule name of an objective's good/total ratio over `windowMs`. */
export const goodRatioRecord = (o: Objective, windowMs: number): string => `hub:mcp_hub_${o}_good:ratio_${promDuration(windowMs)}`;

/** Every window the burn rates read, shortest first. */
export function burnWindows(): number[] {
  return [...new Set(SLO_BURN_RATES.flatMap((b) => [b.longMs, b.shortMs]))].sort((a, b) => a - b);
}

/** The SLI expression of each objective's good events (0/1 per sample), as the ratios average it. */
function goodEvents(o: Objective): string {
  // mcp_hub_up is 1 for a poll that found the hub up (ready or restarted), 0 for any other poll,
  // failed ones included: exactly the daemon's hub.up series, whose good/total is the availability SLI.
  return o === 'availability' ? 'mcp_hub_up' : HEALTH_FAST_RECORD;
}

/** The recording rules: the latency SLI event, then each objective's good ratio over each window. */
export function sloRecordingRules(cfg: MonitorConfig): CommentedRule[] {
  const thresholdS = promNumber(cfg.slo.latency_threshold / 1000);
  const out: CommentedRule[] = [{
    rule: {
      record: HEALTH_FAST_RECORD,
      expr: `(mcp_hub_health_latency_seconds <= bool ${thresholdS}) and ignoring(state) (mcp_hub_state{state="unreachable"} == 0)`,
    },
    comment: [
      `Latency SLI event (the daemon's hub.health_fast): 1 when the latest poll answered /api/health within`,
      `slo.latency_threshold (${cfg.slo.latency_threshold} ms), 0 when slower. A failed poll is no event, as in the daemon:`,
      `mcp_hub_health_latency_seconds keeps the last successful poll's value, so it only counts while the latest`,
      `poll succeeded (mcp_hub_state{state="unreachable"} is 0). We use this gauge rather than a histogram because`,
      `it is what /metrics exports for health (the probe histogram measures MCP round trips, a different SLI).`,
    ].join('\n'),
  }];
  for (const o of ['availability', 'latency'] as const) {
    for (const w of burnWindows()) {
      out.push({ rule: { record: goodRatioRecord(o, w), expr: `avg_over_time(${goodEvents(o)}[${promDuration(w)}])` } });
    }
  }
  return out;
}

/** The burn-rate alerts: per objective and window pair, both windows faster than the factor. */
export function burnRateAlerts(cfg: MonitorConfig): CommentedRule[] {
  const s = ruleSettings(cfg.alerting, 'slo.burn_rate');
  if (!s.enabled) return [];
  const forMs = forMsOf(s, SLO_EVALUATION_MS);
  const keepMs = keepFiringMsOf(s, SLO_EVALUATION_MS);
  const out: CommentedRule[] = [];
  for (const [o, target] of [['availability', cfg.slo.availability], ['latency', cfg.slo.latency]] as const) {
    const allowed = promNumber(1 - target / 100);
    for (const b of SLO_BURN_RATES) {
      const [long, short] = [promDuration(b.longMs), promDuration(b.shortMs)];
      const burn = (w: number) => `(1 - ${goodRatioRecord(o, w)}) / ${allowed} > ${promNumber(b.factor)}`;
      const what = o === 'availability' ? 'availability' : `health latency (${cfg.slo.latency_threshold} ms)`;
      out.push({
        rule: {
          alert: 'McpHubErrorBudgetBurn',
          expr: `${burn(b.longMs)}\nand\n${burn(b.shortMs)}`,
          ...(forMs > 0 ? { for: promDuration(forMs) } : {}),
          ...(keepMs > 0 ? { keep_firing_for: promDuration(keepMs) } : {}),
          labels: { severity: s.severity ?? b.severity, objective: o, window: `${long}/${short}` },
          annotations: {
            summary: `{{ $labels.hub }}: ${what} error budget burning {{ $value | printf "%.1f" }}× over ${long} (threshold ${promNumber(b.factor)}×)`,
            description: `Both the ${long} and the ${short} windows burn the ${target}% ${o} SLO's error budget faster than ${promNumber(b.factor)}× `
              + `(at ${promNumber(b.factor)}× the ${promDuration(cfg.slo.window)} budget lasts ${promDuration(cfg.slo.window / b.factor)}). `
              + 'The daemon alerts on the same windows from its own history (slo.burn_rate).',
          },
        },
        comment: `slo.burn_rate ${o} ${long}/${short}: burn = (1 - good ratio) / (1 - ${target}%), both windows > ${promNumber(b.factor)}× → ${s.severity ?? b.severity}`
          + (forMs > 0 ? `; for: (failure_threshold - 1) × ${promDuration(SLO_EVALUATION_MS)} SLO pass + for` : ''),
      });
    }
  }
  return out;
}
