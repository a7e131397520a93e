/**
 * The `monitor.otel` alert, every few seconds: an OpenTelemetry export that fails (the daemon's, or a tap's
 * as its status says) is an alert like a broken receiver, not only a line in `status` — silent is the worst
 * failure. One alert per exporter; an exporter that is gone (export turned off, tap stopped) resolves.
 */
import type { EvaluationScope, RuleResult } from '../../alerts/lifecycle.js';
import { META_HUB } from '../../alerts/results.js';
import { daemonExportSource, judgeOtelExports, tapExportSources } from '../../evaluate/otel-export.js';
import type { TapOtelSeen } from '../../model/calls-window.js';
import type { Clock } from '../../model/clock.js';
import type { OtelExportHealth } from '../../otel/status.js';
import { everyPeriod, type Job } from './job.js';

export const OTEL_HEALTH_EVERY_MS = 5_000;

const SCOPE: EvaluationScope = { hub: META_HUB, rules: (r) => r === 'monitor.otel', absentMeansOk: true };

export interface OtelHealthDeps {
  clock: Clock;
  daemon(): OtelExportHealth | undefined;
  taps(now: number): TapOtelSeen[];
  observe(results: RuleResult[], scope: EvaluationScope): void;
}

export function otelHealthResults(daemon: OtelExportHealth | undefined, taps: readonly TapOtelSeen[], now: number): RuleResult[] {
  const own = daemonExportSource(daemon);
  return judgeOtelExports([...(own ? [own] : []), ...tapExportSources(taps)], now)
    .map((v) => ({ rule: 'monitor.otel', labels: { hub: META_HUB, exporter: v.who }, status: v.status, summary: v.summary }));
}

export function otelHealthJob(d: OtelHealthDeps): Job {
  return everyPeriod(OTEL_HEALTH_EVERY_MS, d.clock, () => {
    const now = d.clock.now();
    d.observe(otelHealthResults(d.daemon(), d.taps(now), now), SCOPE);
  });
}
