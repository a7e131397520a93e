import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { evaluateFleet, robustZ, type FleetHubInput } from './fleet.js';

const cfg = defaultConfig().fleet; // window 10m, min_hubs 3, outlier_z 3.5
const opts = { windowLabel: '10m' };

function hub(name: string, over: Partial<FleetHubInput> = {}): FleetHubInput {
  return {
    hub: `http://127.0.0.1:${name}`, level: 'green', polls: { good: 600, total: 600 },
    healthLatencyMs: [4, 5, 5, 6, 5], probes: { total: 40, failed: 0 }, restarts: 0,
    servers: new Map([['everything', true], ['files', true]]), ...over,
  };
}

describe('robustZ', () => {
  it('is the modified z-score of median and MAD, the MAD floored', () => {
    const r = robustZ([10, 11, 12, 13, 100], 0.1);
    expect(r.median).toBe(12);
    expect(r.mad).toBe(1);
    expect(r.z[4]).toBeCloseTo(0.6745 * 88, 6);
    // identical values: the floor, not a division by zero
    expect(robustZ([5, 5, 5.01], 20).z.every((z) => Math.abs(z) < 0.01)).toBe(true);
  });
});

describe('evaluateFleet', () => {
  it('rows: availability, latency p50/p95, error ratio from probes, restarts per hour, servers up/down', () => {
    const v = evaluateFleet([hub('1', { polls: { good: 3, total: 4 }, restarts: 2, servers: new Map([['a', true], ['b', false]]) })], cfg, opts);
    expect(v.rows[0]).toEqual({
      hub: 'http://127.0.0.1:1', level: 'green', availability: 0.75, latency: { p50: 5, p95: 5.8 }, errorRatio: 0, errorSource: 'probes',
      restarts: 2, restartsPerHour: 12, serversUp: 1, serversDown: 1,
    });
    expect(v.outliers).toEqual([]);
    expect(v.notJudged).toBe('1 hub, need 3');
  });

  it('error ratio: the calls when the tap saw some, else the probes, else the polls', () => {
    const v = evaluateFleet([
      hub('1', { calls: { total: 50, errors: 5 } }),
      hub('2', { probes: { total: 10, failed: 1 } }),
      hub('3', { probes: { total: 0, failed: 0 }, polls: { good: 9, total: 10 } }),
    ], cfg, opts);
    expect(v.rows.map((r) => [r.errorSource, r.errorRatio])).toEqual([['calls', 0.1], ['probes', 0.1], ['polls', 0.1]]);
  });

  it('three identical hubs with noise raise nothing (the MAD floor)', () => {
    // Two hubs exactly alike make the MAD 0: without the floor a millisecond more on the third is an infinite z.
    const v = evaluateFleet([hub('1', { healthLatencyMs: [5, 5] }), hub('2', { healthLatencyMs: [5, 5] }), hub('3', { healthLatencyMs: [9, 9], probes: { total: 40, failed: 1 } })], cfg, opts);
    expect(v.notJudged).toBeUndefined();
    expect(v.outliers).toEqual([]);
  });

  it('a slow hub among three is an outlier on health latency, named with its value and the fleet median', () => {
    const v = evaluateFleet([hub('1'), hub('2'), hub('3', { healthLatencyMs: [900, 1000, 1100] })], cfg, opts);
    expect(v.outliers).toEqual([{ hub: 'http://127.0.0.1:3', metric: 'health_latency_ms', value: 1000, median: 5, z: 33.56 }]);
    expect(v.findings).toEqual([expect.objectContaining({
      id: 'fleet.outlier', status: 'warning', hub: 'http://127.0.0.1:3', subject: 'health_latency_ms', value: 1000, threshold: 5,
      message: "health latency (median of its polls) 1000 ms over the last 10m, against 5 ms for the fleet's median hub (robust z 33.56): this hub stands out, not the fleet",
    })]);
  });

  it('a faster hub is not an outlier (only worse counts)', () => {
    const v = evaluateFleet([hub('1', { healthLatencyMs: [500] }), hub('2', { healthLatencyMs: [500] }), hub('3', { healthLatencyMs: [1] })], cfg, opts);
    expect(v.outliers).toEqual([]);
  });

  it('a hub whose probes fail is an outlier on error ratio; restarts too', () => {
    const v = evaluateFleet([hub('1'), hub('2'), hub('3', { probes: { total: 40, failed: 20 }, restarts: 5 }), hub('4')], cfg, opts);
    expect(v.outliers.map((o) => [o.hub, o.metric, o.value, o.median])).toEqual([
      ['http://127.0.0.1:3', 'error_ratio', 0.5, 0],
      ['http://127.0.0.1:3', 'restarts_per_hour', 30, 0],
    ]);
    expect(v.findings[0]!.message).toMatch(/^error ratio \(probes\) 50% over the last 10m, against 0% for the fleet's median hub/);
  });

  it('error ratios are compared among hubs measured alike: three on calls, one on probes', () => {
    const calls = (errors: number) => ({ calls: { total: 100, errors } });
    const v = evaluateFleet([hub('1', calls(0)), hub('2', calls(1)), hub('3', calls(40)), hub('4', { probes: { total: 10, failed: 5 } })], cfg, opts);
    // the probe hub alone is no fleet: not judged against the call hubs
    expect(v.outliers.map((o) => [o.hub, o.metric])).toEqual([['http://127.0.0.1:3', 'error_ratio']]);
  });

  it('needs min_hubs hubs with the value: two is no fleet', () => {
    const v = evaluateFleet([hub('1'), hub('2', { probes: { total: 40, failed: 40 } })], cfg, opts);
    expect(v.outliers).toEqual([]);
    expect(evaluateFleet([hub('1'), hub('2'), hub('3', { probes: { total: 40, failed: 40 } })], { ...cfg, min_hubs: 4 }, opts).outliers).toEqual([]);
  });

  it('a server down on one hub only while up on the others is that hub\'s outlier, labelled by the server', () => {
    const down = new Map([['everything', true], ['files', false]]);
    const v = evaluateFleet([hub('1'), hub('2', { servers: down }), hub('3')], cfg, opts);
    expect(v.outliers).toEqual([{ hub: 'http://127.0.0.1:2', metric: 'server', server: 'files', value: 0, median: 1, hubsWithServer: 3 }]);
    expect(v.findings[0]).toMatchObject({ subject: 'files', value: 'down', message: expect.stringMatching(/^server files is down on this hub while up on the 2 other hubs/) });
  });

  it('a server down everywhere, or on two hubs, or on fewer than min_hubs hubs, is not one hub\'s outlier', () => {
    const off = new Map([['everything', false]]);
    expect(evaluateFleet([hub('1', { servers: off }), hub('2', { servers: off }), hub('3', { servers: new Map([['everything', true]]) })], cfg, opts).outliers).toEqual([]);
    const only2 = evaluateFleet([hub('1', { servers: new Map([['x', false]]) }), hub('2', { servers: new Map([['x', true]]) }), hub('3', { servers: new Map() })], cfg, opts);
    expect(only2.outliers).toEqual([]);
  });
});
