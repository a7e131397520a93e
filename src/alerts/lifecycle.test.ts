/**
 * The alert lifecycle as a case table: a rule's evaluations over time, one character each, and the alert's
 * state after each. Evaluations: c critical, w warning, o ok, n no_data, - not mentioned, X the rule turned
 * off (still failing). States: i inactive, p pending, f firing, r resolved (by this evaluation).
 */
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import type { AlertRow } from '../store/alert-store.js';
import { HUB, OTHER_HUB, T0 } from '../../test/support/alert-rows.js';
import { fingerprint, ruleSettings, stepAlerts, type EvaluationScope, type RuleResult, type RuleSettings, type StepResult } from './lifecycle.js';

const RULE = 'server.status';
const LABELS = { hub: HUB, server: 'a' };
const FP = fingerprint(RULE, LABELS);
const STATUS = { c: 'critical', w: 'warning', o: 'ok', n: 'no_data', X: 'critical' } as const;
const SECOND = 1_000;

/** Settings with every confirmation off: each row sets only what it is about. */
const settings = (over: Partial<RuleSettings> = {}): RuleSettings => ({ enabled: true, failureThreshold: 1, successThreshold: 1, forMs: 0, keepFiringForMs: 0, ...over });

const scope = (absentMeansOk: boolean, hub = HUB): EvaluationScope => ({ hub, rules: (r) => r === RULE, absentMeansOk });

const result = (status: RuleResult['status'], labels: Record<string, string> = LABELS): RuleResult => ({ rule: RULE, labels, status, summary: `${labels.server} ${status}` });

/** Applies one step's rows to the open alerts, as the pipeline does. */
function apply(open: Map<string, AlertRow>, step: StepResult): void {
  for (const a of step.dropped) open.delete(a.fingerprint);
  for (const a of step.changed) {
    if (a.state === 'resolved') open.delete(a.fingerprint);
    else open.set(a.fingerprint, a);
  }
}

/** Runs `seq` (one evaluation every `every` ms) and returns the state after each. */
function trace(seq: string, s: RuleSettings, { every = 5 * SECOND, absentMeansOk = true } = {}): string {
  const open = new Map<string, AlertRow>();
  let out = '';
  [...seq].forEach((ch, i) => {
    const results = ch === '-' ? [] : [result(STATUS[ch as keyof typeof STATUS])];
    const step = stepAlerts(open, results, scope(absentMeansOk), () => (ch === 'X' ? { ...s, enabled: false } : s), T0 + i * every);
    apply(open, step);
    const resolved = step.changed.some((a) => a.fingerprint === FP && a.state === 'resolved');
    out += resolved ? 'r' : ({ pending: 'p', firing: 'f' } as Record<string, string>)[open.get(FP)?.state ?? ''] ?? 'i';
  });
  return out;
}

interface Case { name: string; s: RuleSettings; seq: string; want: string; every?: number; absentMeansOk?: boolean }

const cases: Case[] = [
  // failure_threshold
  { name: 'failure_threshold 1: the first failure fires', s: settings(), seq: 'c', want: 'f' },
  { name: 'failure_threshold 3: two failures are pending, the third fires', s: settings({ failureThreshold: 3 }), seq: 'ccc', want: 'ppf' },
  { name: 'failure_threshold 3: a pass before the third drops the pending alert and the count starts again', s: settings({ failureThreshold: 3 }), seq: 'ccoccc', want: 'ppippf' },
  { name: 'failure_threshold 2: a warning and a critical both count', s: settings({ failureThreshold: 2 }), seq: 'wc', want: 'pf' },

  // success_threshold
  { name: 'success_threshold 2: one pass keeps it firing, the second resolves', s: settings({ successThreshold: 2 }), seq: 'coo', want: 'ffr' },
  { name: 'success_threshold 2: a failure between passes starts the count again', s: settings({ successThreshold: 2 }), seq: 'cocoo', want: 'ffffr' },
  { name: 'after it resolved, a new failure is a new alert, pending again', s: settings({ failureThreshold: 2 }), seq: 'ccocc', want: 'pfrpf' },

  // for
  { name: 'for 60 s at 5 s evaluations: pending until it has failed for 60 s, then fires', s: settings({ forMs: 60 * SECOND }), seq: 'c'.repeat(13), want: `${'p'.repeat(12)}f` },
  { name: 'for 60 s: a pass 55 s in drops the pending alert', s: settings({ forMs: 60 * SECOND }), seq: `${'c'.repeat(12)}o`, want: `${'p'.repeat(12)}i` },
  { name: 'for 5 s with failure_threshold 3: both must hold, the threshold fires it', s: settings({ failureThreshold: 3, forMs: 5 * SECOND }), seq: 'ccc', want: 'ppf' },
  { name: 'for 10 s with failure_threshold 1: both must hold, the time fires it', s: settings({ forMs: 10 * SECOND }), seq: 'ccc', want: 'ppf' },

  // keep_firing_for
  { name: 'keep_firing_for 20 s: passes within 20 s of the last failure keep it firing, then it resolves', s: settings({ keepFiringForMs: 20 * SECOND }), seq: 'coooo', want: 'ffffr' },
  { name: 'keep_firing_for 10 s: a failure in between starts it again', s: settings({ keepFiringForMs: 10 * SECOND }), seq: 'cocoo', want: 'ffffr' },
  { name: 'keep_firing_for 5 s with success_threshold 3: both must hold, the passes resolve it', s: settings({ keepFiringForMs: 5 * SECOND, successThreshold: 3 }), seq: 'cooo', want: 'fffr' },

  // no_data
  { name: 'no_data never fires', s: settings(), seq: 'nnnnn', want: 'iiiii' },
  { name: 'no_data never resolves a firing alert', s: settings(), seq: 'cnnnnn', want: 'ffffff' },
  { name: 'no_data neither counts for nor resets failure_threshold', s: settings({ failureThreshold: 3 }), seq: 'cncnc', want: 'ppppf' },
  { name: 'no_data never drops a pending alert', s: settings({ failureThreshold: 3 }), seq: 'cnnn', want: 'pppp' },
  { name: 'no_data neither counts for nor resets success_threshold', s: settings({ successThreshold: 2 }), seq: 'conno', want: 'ffffr' },

  // A rule turned off.
  { name: 'a rule turned off resolves a firing alert at once, whatever success_threshold and keep_firing_for say', s: settings({ successThreshold: 5, keepFiringForMs: 3_600_000 }), seq: 'cX', want: 'fr' },
  { name: 'a rule turned off drops a pending alert', s: settings({ failureThreshold: 3 }), seq: 'cX', want: 'pi' },
  { name: 'a rule turned off never fires', s: settings(), seq: 'XXX', want: 'iii' },

  // Absent from an evaluation.
  { name: 'absentMeansOk: a firing alert no longer mentioned passes, and resolves after success_threshold', s: settings({ successThreshold: 2 }), seq: 'c--', want: 'ffr' },
  { name: 'absentMeansOk: a pending alert no longer mentioned is dropped', s: settings({ failureThreshold: 3 }), seq: 'c-', want: 'pi' },
  { name: 'not absentMeansOk (the hub did not answer): a firing alert no longer mentioned holds', s: settings(), seq: 'c---', want: 'ffff', absentMeansOk: false },
  { name: 'not absentMeansOk: a pending alert no longer mentioned holds', s: settings({ failureThreshold: 3 }), seq: 'c--c', want: 'pppp', absentMeansOk: false },
];

describe('the lifecycle: failure_threshold, success_threshold, for, keep_firing_for, no_data, a rule turned off, absent', () => {
  test.each(cases)('$name', ({ s, seq, want, every, absentMeansOk }) => {
    expect(trace(seq, s, { every, absentMeansOk })).toBe(want);
  });
});

describe('what a step reports', () => {
  test('transitions name where an alert came from: inactive → pending → firing → resolved, and pending → inactive', () => {
    const open = new Map<string, AlertRow>();
    const s = settings({ failureThreshold: 2 });
    const steps = ['critical', 'critical', 'ok', 'critical', 'ok'] as const;
    const seen = steps.flatMap((status, i) => {
      const step = stepAlerts(open, [result(status)], scope(true), () => s, T0 + i * SECOND);
      apply(open, step);
      return step.transitions.map((t) => `${t.from}→${t.to}`);
    });
    expect(seen).toEqual(['inactive→pending', 'pending→firing', 'firing→resolved', 'inactive→pending', 'pending→inactive']);
  });

  test('confirming is true while some rule fails below its threshold, so the caller may confirm sooner', () => {
    const open = new Map<string, AlertRow>();
    const s = settings({ failureThreshold: 2 });
    const step1 = stepAlerts(open, [result('critical')], scope(true), () => s, T0);
    apply(open, step1);
    const step2 = stepAlerts(open, [result('critical')], scope(true), () => s, T0 + SECOND);
    expect([step1.confirming, step2.confirming]).toEqual([true, false]);
  });

  test.each([
    { name: 'a critical result makes a critical alert', status: 'critical' as const, s: settings(), severity: 'critical' },
    { name: 'a warning result makes a warning alert', status: 'warning' as const, s: settings(), severity: 'warning' },
    { name: 'a rule with a severity set keeps it, whatever the result', status: 'critical' as const, s: settings({ severity: 'info' }), severity: 'info' },
  ])('$name', ({ status, s, severity }) => {
    const step = stepAlerts(new Map(), [result(status)], scope(true), () => s, T0);
    expect(step.changed.map((a) => a.severity)).toEqual([severity]);
  });

  test('a warning that turns critical is the same alert, raised (severity is not in the fingerprint)', () => {
    const open = new Map<string, AlertRow>();
    apply(open, stepAlerts(open, [result('warning')], scope(true), () => settings(), T0));
    const step = stepAlerts(open, [result('critical')], scope(true), () => settings(), T0 + SECOND);
    expect(step.changed.map((a) => [a.fingerprint, a.severity, a.firedAt])).toEqual([[FP, 'critical', T0]]);
    expect(step.transitions).toEqual([]);
  });

  test('an evaluation speaks only for its scope: what it does not mention of other hubs and other rules holds', () => {
    const open = new Map<string, AlertRow>();
    const otherHub = { hub: OTHER_HUB, server: 'a' };
    apply(open, stepAlerts(open, [result('critical')], scope(true), () => settings(), T0));
    apply(open, stepAlerts(open, [result('critical', otherHub)], scope(true, OTHER_HUB), () => settings(), T0));
    expect([...open.values()].map((a) => [a.hub, a.state])).toEqual([[HUB, 'firing'], [OTHER_HUB, 'firing']]);
    // OTHER_HUB answered and lists no server any more: its alert passes, HUB's is not its to judge.
    const other = stepAlerts(open, [], scope(true, OTHER_HUB), () => settings(), T0 + SECOND);
    expect(other.changed.map((a) => [a.hub, a.state])).toEqual([[OTHER_HUB, 'resolved']]);
    // A probe round of HUB says nothing about its server.status alert.
    const probes = stepAlerts(open, [], { hub: HUB, rules: (r) => r === 'server.probe', absentMeansOk: true }, () => settings(), T0 + SECOND);
    expect(probes.changed).toEqual([]);
    // Nor does a result of a rule outside the scope.
    expect(stepAlerts(open, [result('ok')], { hub: HUB, rules: (r) => r === 'server.probe', absentMeansOk: false }, () => settings(), T0 + SECOND).changed).toEqual([]);
  });

  test('the fingerprint does not depend on label order', () => {
    expect(fingerprint(RULE, { server: 'a', hub: HUB })).toBe(FP);
    expect(fingerprint(RULE, { hub: HUB, server: 'b' })).not.toBe(FP);
  });
});

describe('rule settings', () => {
  test('a rule override replaces only what it sets; the rest comes from the alerting defaults', () => {
    const alerting = defaultConfig().alerting;
    const base = ruleSettings(alerting, 'no.override');
    alerting.rules[RULE] = { success_threshold: base.successThreshold + 3, severity: 'warning' };
    expect(ruleSettings(alerting, RULE)).toEqual({ ...base, successThreshold: base.successThreshold + 3, severity: 'warning' });
    alerting.rules[RULE] = { enabled: false };
    expect(ruleSettings(alerting, RULE).enabled).toBe(false);
  });
});

describe('evidence (a call failed with "Not connected")', () => {
  const s = settings({ failureThreshold: 3, forMs: 30 * SECOND, successThreshold: 2 });
  test('fires at once, without failure_threshold or for; later evaluations go on as usual', () => {
    const open = new Map<string, AlertRow>();
    const evidence = stepAlerts(open, [{ ...result('critical'), immediate: true }], scope(false), () => s, T0);
    expect(evidence.transitions.map((t) => [t.from, t.to])).toEqual([['inactive', 'firing']]);
    apply(open, evidence);
    apply(open, stepAlerts(open, [result('ok')], scope(true), () => s, T0 + 5 * SECOND));
    expect(open.get(FP)?.state).toBe('firing'); // one ok of the two success_threshold asks
    apply(open, stepAlerts(open, [result('ok')], scope(true), () => s, T0 + 10 * SECOND));
    expect(open.get(FP)).toBeUndefined();
  });
  test('the same finding without the evidence mark waits for its confirmations', () => {
    const step = stepAlerts(new Map(), [result('critical')], scope(false), () => s, T0);
    expect(step.transitions.map((t) => [t.from, t.to])).toEqual([['inactive', 'pending']]);
  });
  test('a rule turned off stays off, evidence or not', () => {
    expect(stepAlerts(new Map(), [{ ...result('critical'), immediate: true }], scope(false), () => ({ ...s, enabled: false }), T0).changed).toEqual([]);
  });
});
