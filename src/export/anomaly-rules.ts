/**
 * The learned band and the fraction-anomalous alerts (`anomaly.<series>`, evaluate/learned-band.ts and
 * evaluate/anomaly-alert.ts) as Prometheus rules over the daemon's /metrics. Evaluated every 5 min, the
 * built-in's step: each series is recorded as its 5-minute median (or mean, for histograms), then
 *   robust (1 d ≤ history < 3 d): expected = median of the last 24 h, sigma = 1.4826 × MAD of those points;
 *   daily  (history ≥ 3 d):       expected = L + S, S = the same time of day (± 15 min) on the previous 1..7
 *                                 days, L = median over the last 6 h of (x − S); sigma = 1.4826 × MAD of the
 *                                 residuals (x − expected) over the last 24 h;
 * band = expected ± max(k × sigma, the minimum margin); a point outside it is anomalous; the alert fires when
 * a share of the trigger window is anomalous and resolves when the recovery window's share falls low enough.
 * The built-in's `weekly` term (a weekday offset once 14 days are held) is not translated: PromQL would need
 * 3 × 7 more offsets per series, and the daily term with the level correction absorbs most of it in a day.
 * Where PromQL cannot say exactly what the built-in does, the comment in the rules file says so. The hub's
 * error log lines and reconnects (anomaly.log_errors, anomaly.reconnects) are not translated: /metrics does
 * not serve them (ANOMALY_NOT_TRANSLATED).
 */
import { ruleSettings } from '../alerts/lifecycle.js';
import type { MonitorConfig } from '../config/defaults.js';
import { ANOMALY_SERIES_IDS, type AnomalySeriesId } from '../evaluate/anomaly-watch.js';
import type { CommentedRule, PromRule, RuleGroup } from './rule-types.js';
import { promDuration, promNumber } from './timing.js';

/** The series the daemon learns a band for (rule ids `anomaly.<id>`) whose input /metrics serves: these are translated. */
export const ANOMALY_SERIES = ['health_latency', 'probe_latency', 'call_latency', 'error_ratio', 'rss', 'cpu'] as const satisfies readonly AnomalySeriesId[];
/**
 * The daemon's other series, not translated: /metrics does not carry the hub's error log lines or its
 * servers' reconnects (events in the store, counted per step by the daemon).
 */
export const ANOMALY_NOT_TRANSLATED: readonly AnomalySeriesId[] = ANOMALY_SERIES_IDS.filter((id) => !(ANOMALY_SERIES as readonly string[]).includes(id));
export type { AnomalySeriesId };

/** One series' settings; the margins are in the config's units (ms for latencies, 0..1 for the ratio, bytes). */
export interface AnomalySeriesSettings {
  severity: 'warning' | 'critical';
  absMargin: number;
  relMargin: number;
  /** false leaves the series out (anomaly.enabled, alerting.rules.anomaly.<series>.enabled); default true. */
  enabled?: boolean;
}

/** What the rules take from the `anomaly:` config (and calls.min_calls for the error ratio). */
export interface AnomalyRuleSettings {
  k: number;
  /** History before a series has a (robust) band. */
  minHistoryMs: number;
  trigger: { windowMs: number; fraction: number; minAnomalous: number };
  recovery: { windowMs: number; fraction: number };
  /** 5-minute steps of the error ratio with fewer calls are not judged. */
  minCalls: number;
  series: Record<AnomalySeriesId, AnomalySeriesSettings>;
}

/** The rules' settings from the config: the `anomaly:` section, calls.min_calls, and each rule's override. */
export function anomalyRuleSettings(cfg: MonitorConfig): AnomalyRuleSettings {
  const a = cfg.anomaly;
  const series = Object.fromEntries(ANOMALY_SERIES_IDS.map((id) => {
    const rule = ruleSettings(cfg.alerting, `anomaly.${id}`);
    const severity = rule.severity === 'critical' || rule.severity === 'warning' ? rule.severity : a.series[id].severity;
    return [id, { severity, absMargin: a.series[id].abs_margin, relMargin: a.series[id].rel_margin, enabled: a.enabled && rule.enabled }];
  })) as Record<AnomalySeriesId, AnomalySeriesSettings>;
  return {
    k: a.k, minHistoryMs: a.min_history,
    trigger: { windowMs: a.trigger.window, fraction: a.trigger.fraction, minAnomalous: a.trigger.min_anomalous },
    recovery: { windowMs: a.recovery.window, fraction: a.recovery.fraction },
    minCalls: cfg.calls.min_calls, series,
  };
}

/** The built-in's step: one point per 5 minutes, and the rule group's evaluation period. */
export const ANOMALY_STEP_MS = 5 * 60_000;
const DAY_MS = 86_400_000;
/** History that switches a series to the daily mode: 3 × the daily season. */
const DAILY_AFTER_MS = 3 * DAY_MS;
const SEASON_DAYS = 7;

/**
 * A range holding the points of the last `ms`, as the built-in's windows do: Prometheus 2.x ranges are closed
 * at both ends, so [30m] over 5-minute points holds 7 of them; one second less holds 6.
 */
const lastPoints = (ms: number): string => promDuration(ms - 1000);

/** The recording rule name of one part of a series' band. */
export const anomalyRecord = (part: string, id: AnomalySeriesId): string => `mcp_hub_monitor:anomaly_${part}:${id}`;

interface SeriesSpec {
  id: (typeof ANOMALY_SERIES)[number];
  alert: string;
  /** What the series is, in comments. */
  name: string;
  /** What the series is, in annotations (may use the series' labels). */
  what: string;
  /** The labels that identify one series. */
  by: string;
  /** Config unit → the metric's unit (ms → s for latencies). */
  scale: number;
  /** The 5-minute point at the evaluation time. */
  input: (s: AnomalyRuleSettings) => string;
}

const CALLS = 'mcp_server_operation_duration_seconds';
const CALL_SELECTOR = 'server!="",gen_ai_tool_name!=""';
const meanOfHistogram = (metric: string, by: string, selector = ''): string => {
  const m = selector ? `{${selector}}` : '';
  return `sum by (${by}) (rate(${metric}_sum${m}[5m]))\n/\n(sum by (${by}) (rate(${metric}_count${m}[5m])) > 0)`;
};

const SERIES: SeriesSpec[] = [
  {
    id: 'health_latency', alert: 'McpHubAnomalyHealthLatency', name: 'the hub\'s /api/health latency (5-minute median)', what: 'health latency', by: 'hub', scale: 0.001,
    input: () => `quantile_over_time(0.5, mcp_hub_health_latency_seconds[${lastPoints(ANOMALY_STEP_MS)}])`,
  },
  {
    id: 'probe_latency', alert: 'McpHubAnomalyProbeLatency', name: 'each server\'s MCP probe latency (5-minute mean)', what: 'probe latency of {{ $labels.server }}', by: 'hub, server', scale: 0.001,
    input: () => meanOfHistogram('mcp_hub_probe_duration_seconds', 'hub, server'),
  },
  {
    id: 'call_latency', alert: 'McpHubAnomalyCallLatency', name: 'each tool\'s call latency through the tap (5-minute mean)', what: 'mean call latency of {{ $labels.server }}/{{ $labels.gen_ai_tool_name }}', by: 'hub, server, gen_ai_tool_name', scale: 0.001,
    input: () => meanOfHistogram(CALLS, 'hub, server, gen_ai_tool_name', CALL_SELECTOR),
  },
  {
    id: 'error_ratio', alert: 'McpHubAnomalyErrorRatio', name: 'each tool\'s error ratio through the tap (5-minute steps with calls.min_calls calls)', what: 'error ratio of {{ $labels.server }}/{{ $labels.gen_ai_tool_name }}', by: 'hub, server, gen_ai_tool_name', scale: 1,
    input: (s) => {
      const by = 'hub, server, gen_ai_tool_name';
      const calls = `sum by (${by}) (increase(${CALLS}_count{${CALL_SELECTOR}}[5m]))`;
      const failed = `sum by (${by}) (increase(${CALLS}_count{${CALL_SELECTOR},error_type!=""}[5m]))`;
      // No failed series at all is 0 failed; a step with too few calls is no point (as in calls.error_rate).
      return `((${failed}) or (${calls}) * 0) / ${calls}\nand on (${by}) ${calls} >= ${s.minCalls}`;
    },
  },
  {
    id: 'rss', alert: 'McpHubAnomalyRss', name: 'the hub\'s resident memory (5-minute median)', what: 'hub RSS', by: 'hub', scale: 1,
    input: () => `quantile_over_time(0.5, mcp_hub_process_resident_memory_bytes[${lastPoints(ANOMALY_STEP_MS)}])`,
  },
  {
    id: 'cpu', alert: 'McpHubAnomalyCpu', name: 'the CPU of the hub and its stdio servers, in cores (5-minute median)', what: 'hub CPU', by: 'hub', scale: 0.01,
    input: () => `quantile_over_time(0.5, mcp_hub_process_tree_cpu_ratio[${lastPoints(ANOMALY_STEP_MS)}])`,
  },
];

const step = promDuration(ANOMALY_STEP_MS);
const day = lastPoints(DAY_MS);

/** S: the median over the previous days of each day's median ± 15 min around the same time of day. */
function seasonalExpr(x: string): string {
  const days = Array.from({ length: SEASON_DAYS }, (_, i) => i + 1).map((d) =>
    `label_replace(quantile_over_time(0.5, ${x}[30m] offset ${promDuration(d * DAY_MS - 15 * 60_000)}), "anomaly_day", "${d}", "", "")`);
  return `quantile without (anomaly_day) (0.5,\n  ${days.join('\n  or ')}\n)`;
}

/** 1.4826 × the median absolute deviation of `x` from `center` (its median now) over the points of the last day. */
const sigmaExpr = (x: string, center: string): string => `1.4826 * quantile_over_time(0.5, abs(${x} - ${center} @ end())[${day}:${step}] offset ${step})`;

/** The recording rules of one series: its points, both modes' bands, the band of its mode, the anomalous flag. */
function recordingRules(sp: SeriesSpec, s: AnomalyRuleSettings): CommentedRule[] {
  const r = (part: string) => anomalyRecord(part, sp.id);
  const x = r('input');
  const m = s.series[sp.id];
  // `offset 0s` does not parse: a min_history of 0 is no guard at all.
  const hasHistory = (ms: number) => `present_over_time(${x}[1h]${ms > 0 ? ` offset ${promDuration(ms)}` : ''})`;
  const rel = promNumber(m.relMargin);
  const margin = `clamp_min(${promNumber(s.k)} * ${r('sigma')}, ${promNumber(m.absMargin * sp.scale)})`;
  const rules: [string, string, string?][] = [
    ['input', sp.input(s), `anomaly.${sp.id}: ${sp.name}, one point per 5 min as the daemon buckets its history.`],
    // Every window ends at the previous point (offset 5m): the built-in learns the band at t from the points before t.
    ['expected_robust', `quantile_over_time(0.5, ${x}[${day}] offset ${step})`, 'robust mode: the median of the last 24 h of points.'],
    ['sigma_robust', sigmaExpr(x, r('expected_robust')), 'robust mode: 1.4826 × MAD of the same points (`@ end()` holds their median at now inside the subquery).'],
    ['seasonal', seasonalExpr(x), [
      'daily mode, S: the same time of day ± 15 min on each of the previous 7 days (those the history holds).',
      'The built-in takes the median of all those points at once; PromQL takes the median of each day\'s median.',
    ].join('\n')],
    ['deseasonalized', `${x} - ${r('seasonal')}`],
    ['level', `quantile_over_time(0.5, ${r('deseasonalized')}[${lastPoints(6 * 3_600_000)}] offset ${step})`, 'daily mode, L: the median of (x − S) over the last 6 h: a level shift is absorbed in ~3 h, a shorter anomaly is not.'],
    ['expected_daily', `${r('level')} + ${r('seasonal')}`],
    ['residual', `${x} - ${r('expected_daily')}`],
    ['residual_median', `quantile_over_time(0.5, ${r('residual')}[${day}] offset ${step})`],
    ['sigma_daily', sigmaExpr(r('residual'), r('residual_median')), 'daily mode: 1.4826 × MAD of the residuals (x − expected) of the last 24 h.'],
    ['expected', `${r('expected_daily')} and ${hasHistory(DAILY_AFTER_MS)}\nor\n${r('expected_robust')} and ${hasHistory(s.minHistoryMs)}`, [
      `The mode: daily once the series has points 3 days back, robust once it has them ${promDuration(s.minHistoryMs)} back (anomaly.min_history), else`,
      'none: learning, no band and no judgement. A gap of more than 1 h exactly that far back counts as too little history.',
    ].join('\n')],
    ['sigma', `${r('sigma_daily')} and ${hasHistory(DAILY_AFTER_MS)}\nor\n${r('sigma_robust')} and ${hasHistory(s.minHistoryMs)}`],
    ['margin', m.relMargin > 0 ? `${margin} > ${rel} * abs(${r('expected')})\nor\n${rel} * abs(${r('expected')})` : margin,
      `max(k × sigma, abs_margin, rel_margin × |expected|) = max(${promNumber(s.k)} × sigma, ${promNumber(m.absMargin * sp.scale)}, ${rel} × |expected|): a flat series does not alarm on noise.`],
    ['upper', `${r('expected')} + ${r('margin')}`],
    ['lower', `${r('expected')} - ${r('margin')}`],
    ['anomalous', `(${x} > bool ${r('upper')}) + (${x} < bool ${r('lower')})`, '1 when the point is outside the band, 0 inside; absent while learning.'],
  ];
  return rules.map(([part, expr, comment]) => ({ rule: { record: r(part), expr }, ...(comment ? { comment } : {}) }));
}

/** The alert: fires on the trigger window's share of anomalous points, held until the recovery window's share is low. */
function alertRule(sp: SeriesSpec, s: AnomalyRuleSettings): CommentedRule {
  const a = anomalyRecord('anomalous', sp.id);
  const [t, rc] = [s.trigger, s.recovery];
  const share = (ms: number) => `avg_over_time(${a}[${lastPoints(ms)}])`;
  const firing = `last_over_time(ALERTS{alertname="${sp.alert}",alertstate="firing"}[${lastPoints(2 * ANOMALY_STEP_MS)}])`;
  const rule: PromRule = {
    alert: sp.alert,
    expr: [
      `${share(t.windowMs)}`,
      'and (',
      `  ${share(t.windowMs)} >= ${promNumber(t.fraction)} and sum_over_time(${a}[${lastPoints(t.windowMs)}]) >= ${t.minAnomalous} unless on (${sp.by}) ${firing}`,
      `  or ${share(rc.windowMs)} > ${promNumber(rc.fraction)} and on (${sp.by}) ${firing}`,
      ')',
    ].join('\n'),
    labels: { severity: s.series[sp.id].severity },
    annotations: {
      summary: `{{ $labels.hub }}: ${sp.what} outside its learned band in {{ $value | humanizePercentage }} of the last ${promDuration(t.windowMs)}`,
      description: `The ${sp.what} left the band learnt from its own history (median ± ${promNumber(s.k)} robust standard deviations, by time of day once 3 days are held). `
        + `The band: ${anomalyRecord('lower', sp.id)} .. ${anomalyRecord('upper', sp.id)}; the daemon raises anomaly.${sp.id} from the same rules.`,
    },
  };
  return {
    rule,
    comment: [
      `anomaly.${sp.id}: fires when ≥ ${promNumber(t.fraction * 100)}% and ≥ ${t.minAnomalous} of the points of the last ${promDuration(t.windowMs)} are anomalous (anomaly.trigger);`,
      `once firing only the recovery window counts: it stays so while more than ${promNumber(rc.fraction * 100)}% of the last ${promDuration(rc.windowMs)} are (anomaly.recovery).`,
      'The ALERTS term is this alert\'s own state at the previous evaluation (5 min ago): it says that hysteresis exactly,',
      'where keep_firing_for would hold a fixed time. A series that vanishes resolves here; the daemon holds its state.',
    ].join('\n'),
  };
}

/** The anomaly group: every enabled series' recording rules, then their alerts; evaluated every 5 min. None: no group. */
export function anomalyRuleGroup(s: AnomalyRuleSettings): RuleGroup | undefined {
  const series = SERIES.filter((sp) => s.series[sp.id].enabled !== false);
  if (series.length === 0) return undefined;
  return {
    name: 'mcp-hub-monitor.anomaly',
    interval: step,
    rules: [...series.flatMap((sp) => recordingRules(sp, s)), ...series.map((sp) => alertRule(sp, s))],
  };
}
