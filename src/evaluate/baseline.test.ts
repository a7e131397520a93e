import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { buildBaseline, llmWindow } from './baseline.js';
import type { HealthSample, HubObservations, LlmSample, MeasureObservations } from '../model/measure.js';

const cfg = defaultConfig();
const URL_A = 'http://127.0.0.1:7000';

function health(latencies: (number | string)[]): HealthSample[] {
  return latencies.map((l, k) => typeof l === 'number'
    ? { k, scheduledMs: k * 500, actualMs: k * 500 + 0.2, latencyMs: l, outcome: 'ok' }
    : { k, scheduledMs: k * 500, actualMs: l === 'missed' ? null : k * 500 + 0.1, latencyMs: null, outcome: l });
}

function hub(over: Partial<HubObservations> = {}): HubObservations {
  return {
    url: URL_A, version: '4.2.1', state: 'ready', pid: 42,
    health: health(Array.from({ length: 20 }, (_, i) => 2 + (i % 5) * 0.1)),
    probes: [{ server: 'everything', samples: [{ atMs: 250, latencyMs: 4, outcome: 'alive' }] }],
    process: [{ startMs: 375, endMs: 5375, hubCpuPercent: 1.5, hubRssBytes: 72_000_000, children: 2, childrenCpuPercent: 0.4, childrenRssBytes: 130_000_000 }],
    llm: [], llmSources: [],
    ...over,
  };
}

function observations(hubs: HubObservations[]): MeasureObservations {
  return {
    name: 'test', startedAtMs: Date.parse('2026-11-25T09:40:00Z'), durationMs: 10_000, intervalMs: 500, probeEveryMs: 5_000, timeoutMs: 5_000,
    tool: { name: 'mcp-hub-monitor', version: '0.1.0', node: 'v20.0.0', platform: 'linux-x64' }, hubs,
  };
}

const findingsOf = (h: HubObservations) => buildBaseline(observations([h]), cfg).hubs[0]!.findings;
const byId = (h: HubObservations, id: string) => findingsOf(h).filter((f) => f.id === id);

describe('judging a measurement against the SLO targets', () => {
  test.each([
    ['a fast hub is OK', hub(), 'measure.health_latency', 'ok'],
    ['health p95 over 50 ms is a WARNING', hub({ health: health([...Array(18).fill(2), 80, 90]) }), 'measure.health_latency', 'warning'],
    ['no answer at all gives no latency data, not a zero', hub({ health: health(['refused', 'refused']) }), 'measure.health_latency', 'no_data'],
    ['more than 10 % failed requests is CRITICAL', hub({ health: health([...Array(17).fill(2), 'refused', 'timeout', 'no_answer']) }), 'measure.availability', 'critical'],
    ['exactly 10 % failed is not more than 10 %: OK', hub({ health: health([...Array(18).fill(2), 'refused', 'refused']) }), 'measure.availability', 'ok'],
    ['slots our own process missed are not the hub failing', hub({ health: health([...Array(10).fill(2), ...Array(10).fill('missed')]) }), 'measure.availability', 'ok'],
    ['a probe that found the child dead is a WARNING', hub({ probes: [{ server: 'crashy', samples: [{ atMs: 1, latencyMs: 2, outcome: 'dead' }, { atMs: 2, latencyMs: 3, outcome: 'alive' }] }] }), 'measure.probe', 'warning'],
    ['a hub without the probe route gives no data', hub({ probes: [{ server: 'x', samples: [{ atMs: 1, latencyMs: 2, outcome: 'unsupported' }] }] }), 'measure.probe', 'no_data'],
    ['no process sample gives no data', hub({ process: [], processUnavailable: 'remote hub' }), 'measure.resources', 'no_data'],
    ['hub RSS over check.memory is a WARNING', hub({ process: [{ startMs: 0, endMs: 1, hubCpuPercent: 1, hubRssBytes: 600_000_000, children: 0, childrenCpuPercent: 0, childrenRssBytes: 0 }] }), 'measure.resources', 'warning'],
    ['LLM metrics the hub does not serve are no data', hub(), 'llm.success_rate', 'no_data'],
  ])('%s', (_what, h, id, status) => {
    expect(byId(h, id)[0]?.status).toBe(status);
  });

  test('failed requests are counted against the requests sent, not the slots', () => {
    const doc = buildBaseline(observations([hub({ health: health([2, 2, 2, 'refused', 'missed', 'missed']) })]), cfg);
    expect(doc.hubs[0]!.health).toMatchObject({ scheduled: 6, answered: 3, failed: 1, missed: 2, failedPercent: 25 });
  });

  test('the document status and exit code are the worst finding', () => {
    expect(buildBaseline(observations([hub()]), cfg)).toMatchObject({ status: 'ok', exitCode: 0 });
    const bad = buildBaseline(observations([hub(), hub({ url: 'http://b', health: health(['refused', 'refused', 2]) })]), cfg);
    expect(bad).toMatchObject({ status: 'critical', exitCode: 2 });
  });

  test('summaries are rounded once, and the schedule error is measured from the raw times', () => {
    const doc = buildBaseline(observations([hub({ health: health([1.23456, 2.34567, 3.45678]) })]), cfg);
    expect(doc.hubs[0]!.health.latencyMs).toMatchObject({ p50: 2.346, min: 1.235, max: 3.457 });
    expect(doc.hubs[0]!.health.scheduleErrorMs?.max).toBe(0.2);
    expect(doc.targets.healthP95Ms).toBe(cfg.slo.latency_threshold);
  });

  test('raw samples are kept in the document for later statistics', () => {
    const h = hub();
    const doc = buildBaseline(observations([h]), cfg);
    expect(doc.hubs[0]!.health.samples).toEqual(h.health);
    expect(doc.hubs[0]!.probes[0]!.samples).toEqual(h.probes[0]!.samples);
  });
});

describe('LLM metrics over the measurement window', () => {
  const at = (atMs: number, values: LlmSample['values']): LlmSample => ({ atMs, values });

  test('counters become the window\'s own traffic and its throughput', () => {
    const w = llmWindow([at(0, { requestsTotal: 100, requestsSuccess: 95, cacheHits: 10, cacheMisses: 0 }), at(10_000, { requestsTotal: 150, requestsSuccess: 135, cacheHits: 20, cacheMisses: 10 })]);
    expect(w.metrics).toMatchObject({ requestsTotal: 50, requestsSuccess: 40, cacheHits: 10, cacheMisses: 10 });
    expect(w.throughputPerS).toBe(5);
    expect(w.exposed).toBe(true);
  });

  test('a counter that went down was reset: its current value is used, with a note, and no throughput', () => {
    const w = llmWindow([at(0, { requestsTotal: 500 }), at(5_000, { requestsTotal: 20 })]);
    expect(w.metrics.requestsTotal).toBe(20);
    expect(w.note).toMatch(/reset/);
    expect(w.throughputPerS).toBeUndefined();
  });

  test('queue depth is the worst seen; latency gauges are the last', () => {
    const w = llmWindow([at(0, { queueDepth: 3, p95LatencyMs: 900 }), at(1, { queueDepth: 12, p95LatencyMs: 1000 }), at(2, { queueDepth: 1, p95LatencyMs: 1100 })]);
    expect(w.metrics).toMatchObject({ queueDepth: 12, p95LatencyMs: 1100 });
  });

  test('a hub that serves nothing is not exposed', () => {
    expect(llmWindow([at(0, {}), at(1, {})])).toMatchObject({ exposed: false, metrics: {} });
    expect(llmWindow([])).toMatchObject({ exposed: false });
  });

  test('the window\'s success rate is judged with check\'s thresholds: 80 % is CRITICAL', () => {
    const h = hub({ llm: [at(0, { requestsTotal: 0, requestsSuccess: 0 }), at(1000, { requestsTotal: 10, requestsSuccess: 8 })], llmSources: ['/api/metrics/custom'] });
    expect(byId(h, 'llm.success_rate')[0]).toMatchObject({ status: 'critical', value: 80 });
    expect(byId(h, 'llm.throughput')[0]).toMatchObject({ status: 'ok', value: 10 });
  });

  test('no requests during the window is no data (zero load is not an outage)', () => {
    const h = hub({ llm: [at(0, { requestsTotal: 7, requestsSuccess: 7 }), at(1000, { requestsTotal: 7, requestsSuccess: 7 })] });
    expect(byId(h, 'llm.success_rate')[0]?.status).toBe('no_data');
  });
});
