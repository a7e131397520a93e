/**
 * The alert evaluations that run on a timer rather than on a poll: SLO burn rates every minute, per hub,
 * from the ratios the burn-rate windows need (raw samples up to 6 h, the 1-minute rollups beyond) — of its
 * polls and of the tap's calls (their stored `calls.*` sums) — and
 * regression every `regression.interval`: the last window's latencies against the pinned baseline.
 */
import type { EvaluationScope } from '../../alerts/lifecycle.js';
import { regressionScope, sloScope, toRuleResults } from '../../alerts/results.js';
import type { RuleResult } from '../../alerts/lifecycle.js';
import type { MonitorConfig } from '../../config/defaults.js';
import { formatDuration } from '../../config/duration.js';
import { evaluateRegression } from '../../evaluate/regression.js';
import { evaluateSlo, sloInputs } from '../../evaluate/slo.js';
import { callSloInputs, evaluateCallSlo } from '../../evaluate/call-slo.js';
import { CALL_SERIES, hubCallsOver } from '../calls-series.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../../model/clock.js';
import type { Logger } from '../collector.js';
import { PinnedBaselineCache } from '../pinned-baseline.js';
import { everyPeriod, type Job } from './job.js';

const SLO_EVERY_MS = 60_000;

interface EvaluationDeps {
  cfg: MonitorConfig;
  store: Store;
  clock: Clock;
  /** The hubs being watched. */
  hubs: () => string[];
  /** Feeds results to the alert pipeline (a failure to store them is logged there). */
  observe: (results: RuleResult[], scope: EvaluationScope) => void;
}

/** `runId`: this daemon's run, which covers up to now in the SLO window's observed time, whatever its last beat. */
export function sloJob(d: EvaluationDeps & { runId?: number }): Job {
  const run = d.runId === undefined ? {} : { currentRunId: d.runId };
  return everyPeriod(SLO_EVERY_MS, d.clock, () => {
    const now = d.clock.now();
    for (const hub of d.hubs()) {
      const inputs = sloInputs((name, from, to) => d.store.ratioOver(hub, name, from, to), (name, from, to) => d.store.observedMs(hub, name, from, to, run), d.cfg.slo, now);
      const calls = callSloInputs((from, to) => hubCallsOver(d.store, hub, from, to), (from, to) => d.store.observedMs(hub, CALL_SERIES.count, from, to, { ...run, anyLabels: true }), d.cfg.slo, now);
      d.observe(toRuleResults([...evaluateSlo(hub, inputs, d.cfg.slo), ...evaluateCallSlo(hub, calls, d.cfg.slo)]), sloScope(hub));
    }
  });
}

/** `stateDir`: where baselines/pinned.json lives. */
export function regressionJob(d: EvaluationDeps & { stateDir: string; log: Logger }): Job {
  const { cfg } = d;
  const pinned = new PinnedBaselineCache(d.stateDir, (message) => d.log.warn({ message }, 'pinned baseline unreadable; no regression detection until it is fixed'));
  return everyPeriod(cfg.regression.interval, d.clock, () => {
    const base = pinned.get();
    if (!base) return;
    const now = d.clock.now();
    const from = now - cfg.regression.window;
    for (const hub of d.hubs()) {
      const ref = base.byHub.get(hub) ?? base.only;
      const values = (rows: { v: number | null }[]) => rows.flatMap((r) => (r.v === null ? [] : [r.v]));
      const probes = new Map<string, number[]>();
      for (const r of d.store.samplesOfName(hub, 'server.probe_latency_ms', from, now + 1)) {
        const server = r.labels.server;
        if (server !== undefined && r.v !== null) probes.set(server, [...(probes.get(server) ?? []), r.v]);
      }
      const live = { health: values(d.store.samplesOfName(hub, 'hub.health_latency_ms', from, now + 1)), probes };
      const findings = evaluateRegression(hub, base.name, ref, live, { tolerancePercent: cfg.regression.tolerance, windowLabel: formatDuration(cfg.regression.window) });
      d.observe(toRuleResults(findings), regressionScope(hub));
    }
  });
}
