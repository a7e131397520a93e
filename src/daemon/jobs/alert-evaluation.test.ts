/**
 * The SLO pass on a manual clock, over a real store: the hub's polls and the tap's stored calls judged
 * together every minute, into one evaluation the alert pipeline takes.
 */
import { expect, test } from 'vitest';
import { useTempStores } from '../../../test/support/temp-store.js';
import type { EvaluationScope, RuleResult } from '../../alerts/lifecycle.js';
import { defaultConfig } from '../../config/defaults.js';
import { ManualClock } from '../../model/clock.js';
import { CallsLedger } from '../calls-ledger.js';
import { sloJob } from './alert-evaluation.js';

const newStore = useTempStores('mhm-slo-job-');
const HUB = 'http://127.0.0.1:7000';

test('every minute, the SLO on real calls beside the polls\': a dead child\'s failing calls burn call_success; no calls is no data', async () => {
  const clock = new ManualClock();
  const store = newStore();
  const runId = store.startRun({ pid: 1, t: clock.now() - 3_600_000, cleanStart: true });
  const ledger = new CallsLedger();
  // An hour of polls (all up) and of calls: fine until 10 minutes ago, then every call fails "Not connected".
  for (let t = clock.now() - 3_600_000; t < clock.now(); t += 5_000) {
    const dead = t >= clock.now() - 600_000;
    store.insertSamples([{ hub: HUB, name: 'hub.up', t, v: 1 }, { hub: HUB, name: 'hub.health_fast', t, v: 1 }]);
    for (let i = 0; i < 5; i++) {
      ledger.note({
        hub: HUB, server: 'crashy', tool: 'echo', method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: t, durationMs: 4,
        ...(dead ? { outcome: 'jsonrpc_error', errorCode: 500, errorType: '500', errorMessage: 'Not connected' } : { outcome: 'ok' }), requestBytes: 1, responseBytes: 1,
      }, t);
    }
    store.insertSamples(ledger.closeInterval(t + 5_000, 300_000));
  }
  const seen: { results: RuleResult[]; scope: EvaluationScope }[] = [];
  const hubs = [HUB, 'http://127.0.0.1:7001'];
  const job = sloJob({ cfg: defaultConfig(), store, clock, hubs: () => hubs, observe: (results, scope) => seen.push({ results, scope }), runId });
  job.start();
  await clock.advance(60_000);
  await job.stop();
  const [tapped, untapped] = seen;
  const of = (r: RuleResult[], rule: string, subject: string) => r.find((x) => x.rule === rule && x.labels.subject === subject);
  // The last 5 minutes all failed and 10 of the last 60: both burn far beyond 14.4× a 1 % budget.
  expect(of(tapped!.results, 'slo.burn_rate', 'call_success')).toMatchObject({ status: 'critical', labels: { hub: HUB, subject: 'call_success' } });
  expect(of(tapped!.results, 'slo.burn_rate', 'call_success')!.summary).toMatch(/^call_success: call_success error budget burning 16\.\d× over 1h and 100\.0× over 5m \(threshold 14\.4×\)$/);
  expect(of(tapped!.results, 'slo.burn_rate', 'call_latency')).toMatchObject({ status: 'ok' });
  expect(of(tapped!.results, 'slo.burn_rate', 'availability')).toMatchObject({ status: 'ok' });
  expect(of(tapped!.results, 'slo.call_success', 'call_success')).toMatchObject({ status: 'ok', value: Number((100 * 600 / 720).toFixed(4)) });
  expect(tapped!.scope).toMatchObject({ hub: HUB, absentMeansOk: false });
  // A hub no tap is in front of: its call objectives have no data, never 100 %.
  expect(untapped!.results.filter((r) => r.labels.subject?.startsWith('call_')).map((r) => [r.rule, r.labels.subject, r.status])).toEqual([
    ['slo.call_success', 'call_success', 'no_data'], ['slo.burn_rate', 'call_success', 'no_data'],
    ['slo.call_latency', 'call_latency', 'no_data'], ['slo.burn_rate', 'call_latency', 'no_data'],
  ]);
});
