/**
 * The tap's calls, every few seconds: the interval in progress is closed into stored samples (through the
 * write buffer, like every row), the window is judged per hub (`calls.error_rate`, `calls.p95_latency`,
 * evaluate/calls.ts) into the alert pipeline, and the window is written to calls-window.json for `check`
 * and `status`. Fast enough that a burst of failing calls alerts within seconds.
 */
import { join } from 'node:path';
import { callsScope, toRuleResults } from '../../alerts/results.js';
import type { EvaluationScope, RuleResult } from '../../alerts/lifecycle.js';
import type { MonitorConfig } from '../../config/defaults.js';
import { formatDuration } from '../../config/duration.js';
import { evaluateCalls, verdictOf, errorSummary } from '../../evaluate/calls.js';
import { toolsPanels } from '../../evaluate/tools-panel.js';
import { callsLevelInput } from '../../evaluate/level.js';
import type { Finding } from '../../evaluate/types.js';
import type { CallStats } from '../../model/call-stats.js';
import { CALLS_WINDOW_FILE, recentFailure, type CallsWindowDoc, type WorstTool } from '../../model/calls-window.js';
import type { Clock } from '../../model/clock.js';
import { writeFileAtomic } from '../../store/files.js';
import type { CallsLedger } from '../calls-ledger.js';
import type { Logger } from '../collector.js';
import type { SampleRow } from '../observations.js';
import type { TapSocketStats } from './tap-socket.js';
import { everyPeriod, type Job } from './job.js';

export const CALLS_EVERY_MS = 5_000;
const WORST_KEPT = 5;
/** Failing calls written for `status` (the ledger keeps more, for the JSON API). */
const FAILURES_WRITTEN = 5;
const UNWATCHED_HUBS_KEPT = 5;

export interface CallsJobDeps {
  cfg: MonitorConfig;
  clock: Clock;
  ledger: CallsLedger;
  socket: TapSocketStats;
  write(samples: SampleRow[]): void;
  hubs(): string[];
  /** Feeds the alert pipeline; absent when alerting is off. */
  observe?: (results: RuleResult[], scope: EvaluationScope) => void;
  stateDir: string;
  log: Logger;
}

export function callsJob(d: CallsJobDeps): Job {
  let fileFailed = false;
  return everyPeriod(CALLS_EVERY_MS, d.clock, () => {
    const now = d.clock.now();
    const windowMs = d.cfg.calls.window;
    const samples = d.ledger.closeInterval(now, windowMs);
    if (samples.length > 0) d.write(samples);
    const window = d.ledger.window(now, windowMs);
    const seeing = d.socket.connections > 0;
    const findings: Finding[] = [];
    for (const hub of d.hubs()) {
      const f = evaluateCalls(hub, window, d.cfg.calls, { windowLabel: formatDuration(windowMs) });
      findings.push(...f);
      d.observe?.(toRuleResults(f), callsScope(hub, seeing));
    }
    if (d.socket.accepted === 0 && d.ledger.calls === 0 && d.socket.problem === undefined) return; // no tap this run: nothing to say
    try {
      writeFileAtomic(join(d.stateDir, CALLS_WINDOW_FILE), `${JSON.stringify(windowDoc(d, now, window, findings))}\n`, { mode: 0o600 });
      fileFailed = false;
    } catch (err) {
      if (!fileFailed) d.log.warn({ err: String(err) }, 'cannot write the calls window file (check and status will not show calls)');
      fileFailed = true;
    }
  });
}

function windowDoc(d: CallsJobDeps, now: number, window: readonly CallStats[], findings: readonly Finding[]): CallsWindowDoc {
  const s = d.socket;
  const otel = d.ledger.tapOtel(now);
  return {
    at: now,
    windowMs: d.cfg.calls.window,
    tap: {
      connected: s.connections, everConnected: s.accepted > 0, ...(s.lastGoneAt !== undefined ? { lastGoneAt: s.lastGoneAt } : {}),
      dropped: d.ledger.tapDropped(), badLines: s.badLines + s.oversizedLines, ...(s.problem !== undefined ? { problem: s.problem } : {}),
      ...(otel.length > 0 ? { otel } : {}),
      ...(d.ledger.unwatchedCalls > 0 ? { unwatched: unwatchedOf(d.ledger, now, d.cfg.calls.window) } : {}),
    },
    calls: window.reduce((n, w) => n + w.calls, 0),
    errors: window.reduce((n, w) => n + w.errors, 0),
    findings: findings.filter((f) => f.tool === undefined || f.status === 'warning' || f.status === 'critical'),
    worst: worstTools(window),
    panels: toolsPanels(d.hubs(), window),
    recentFailures: d.ledger.recentFailures().slice(-FAILURES_WRITTEN).map(recentFailure),
    totals: d.hubs().map((hub) => {
      const c = callsLevelInput(window, hub, d.cfg.calls, '');
      return { hub, calls: c.calls, errors: c.errors, ...(c.p95Ms !== undefined ? { p95Ms: Math.round(c.p95Ms * 10) / 10 } : {}) };
    }),
  };
}

/** The most failing tools first, then the slowest. */
export function worstTools(window: readonly CallStats[]): WorstTool[] {
  return window.filter((w) => w.tool !== '').map((w): WorstTool => {
    const v = verdictOf(w);
    return {
      hub: w.hub, server: w.server, tool: w.tool, calls: w.calls, errors: w.errors, successPercent: Math.round(v.successPercent * 10) / 10,
      ...(v.p95Ms !== undefined ? { p95Ms: Math.round(v.p95Ms) } : {}), ...(w.errors > 0 ? { topError: errorSummary(w).slice(0, 300) } : {}),
    };
  }).sort((a, b) => b.errors / b.calls - a.errors / a.calls || (b.p95Ms ?? 0) - (a.p95Ms ?? 0) || b.calls - a.calls).slice(0, WORST_KEPT);
}

/** Calls for hubs the daemon does not watch: how many since start, and the hubs they came for within the window. */
function unwatchedOf(ledger: CallsLedger, now: number, windowMs: number): NonNullable<CallsWindowDoc['tap']['unwatched']> {
  const hubs = [...ledger.unwatched].filter(([, u]) => u.lastAt > now - windowMs).map(([hub, u]) => ({ hub, calls: u.calls }));
  return { calls: ledger.unwatchedCalls, hubs: hubs.sort((a, b) => b.calls - a.calls).slice(0, UNWATCHED_HUBS_KEPT) };
}
