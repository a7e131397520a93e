import { describe, expect, test } from 'vitest';
import { compareBaselines, readComparable, type ComparableBaseline } from './baseline-compare.js';
import { BASELINE_FORMAT } from './baseline.js';
import { mulberry32 } from './stats.js';

/** A baseline file's JSON with `n` health latencies around `medianMs` (±10 % noise) and one probed server. */
function file(medianMs: number, opts: { n?: number; seed?: number; url?: string; cpu?: number[] } = {}): unknown {
  const rand = mulberry32(opts.seed ?? 1);
  const n = opts.n ?? 200;
  const noisy = (m: number) => m * (0.9 + 0.2 * rand());
  return {
    format: BASELINE_FORMAT, version: 1, name: `m${medianMs}`, startedAt: '2026-11-25T09:40:00.000Z',
    hubs: [{
      url: opts.url ?? 'http://127.0.0.1:7000',
      health: { samples: [...Array.from({ length: n }, (_, k) => ({ k, latencyMs: noisy(medianMs), outcome: 'ok' })), { k: n, latencyMs: null, outcome: 'refused' }] },
      probes: [{ server: 'everything', samples: Array.from({ length: 20 }, () => ({ latencyMs: noisy(4), outcome: 'alive' })) }],
      process: { windows: (opts.cpu ?? [1, 1.2, 0.9, 1.1, 1, 1.3, 0.8, 1, 1.1, 1]).map((c) => ({ hubCpuPercent: c, hubRssBytes: 7e7, childrenCpuPercent: 0.2, childrenRssBytes: 1e8 })) },
    }],
  };
}

function comparable(value: unknown): ComparableBaseline {
  const r = readComparable(value);
  if (!r.ok) throw new Error(r.problem);
  return r.baseline;
}

const health = (c: ReturnType<typeof compareBaselines>) => c.rows.find((r) => r.key === 'health_latency_ms')!;

describe('reading baseline files', () => {
  test.each([
    ['another JSON document', { hello: 1 }, /not an mcp-hub-monitor baseline/],
    ['a future format version', { format: BASELINE_FORMAT, version: 2, hubs: [] }, /version 2 is not supported/],
    ['no hubs list', { format: BASELINE_FORMAT, version: 1 }, /no "hubs"/],
    ['not even an object', [1, 2], /not an mcp-hub-monitor baseline/],
  ])('%s is a problem to report, not a crash', (_what, value, problem) => {
    const r = readComparable(value);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toMatch(problem);
  });

  test('only answered samples are compared; junk values are skipped', () => {
    const value = file(2, { n: 10 }) as { hubs: { health: { samples: unknown[] } }[] };
    value.hubs[0]!.health.samples.push({ latencyMs: 'fast', outcome: 'ok' }, { latencyMs: 1e400, outcome: 'ok' });
    expect(comparable(value).hubs[0]!.series.find((s) => s.key === 'health_latency_ms')!.values).toHaveLength(10);
  });
});

describe('compareBaselines', () => {
  test('a 20 % slowdown is slower and, beyond a 10 % tolerance, a regression', () => {
    const c = compareBaselines(comparable(file(2, { seed: 1 })), comparable(file(2.4, { seed: 2 })), { tolerance: 0.1 });
    const row = health(c);
    expect(row).toMatchObject({ verdict: 'slower', regression: true, gate: true });
    expect(row.comparison.relative).toBeGreaterThan(0.15);
    expect(row.ciLowRelative).toBeGreaterThan(0.1);
    expect(row.summary).toMatch(/^slower: \+\d+\.\d% \(CI \+\d+\.\d% … \+\d+\.\d%, p < 0\.001\), beyond the 10\.0% tolerance — regression$/);
    expect(c.regressions).toBe(1);
  });

  test('the same slowdown within a 30 % tolerance is slower but not a regression', () => {
    const row = health(compareBaselines(comparable(file(2, { seed: 1 })), comparable(file(2.4, { seed: 2 })), { tolerance: 0.3 }));
    expect(row).toMatchObject({ verdict: 'slower', regression: false });
    expect(row.summary).toMatch(/, within the 30\.0% tolerance$/);
  });

  test('a slowdown whose interval straddles the tolerance is "not surely beyond" it, and no regression', () => {
    const row = health(compareBaselines(comparable(file(2, { seed: 1 })), comparable(file(2.4, { seed: 2 })), { tolerance: 0.2 }));
    expect(row).toMatchObject({ verdict: 'slower', regression: false });
    expect(row.summary).toMatch(/, not surely beyond the 20\.0% tolerance$/);
  });

  test('a faster B is never a regression', () => {
    expect(health(compareBaselines(comparable(file(2.4)), comparable(file(2, { seed: 9 })), { tolerance: 0 }))).toMatchObject({ verdict: 'faster', regression: false });
  });

  test('two draws of the same hub: no significant change, no regression', () => {
    const c = compareBaselines(comparable(file(2, { seed: 3 })), comparable(file(2, { seed: 4 })), { tolerance: 0.1 });
    expect(health(c).verdict).toBe('no_change');
    expect(c.regressions).toBe(0);
  });

  test('CPU and RSS rows are reported but never gate: a doubled CPU is "higher", not a regression', () => {
    const c = compareBaselines(comparable(file(2, { seed: 3 })), comparable(file(2, { seed: 4, cpu: [2, 2.4, 1.8, 2.2, 2, 2.6, 1.6, 2, 2.2, 2] })), { tolerance: 0 });
    const cpu = c.rows.find((r) => r.key === 'hub_cpu_percent')!;
    expect(cpu).toMatchObject({ gate: false, verdict: 'slower', regression: false });
    expect(cpu.summary).toMatch(/^higher: .*not gated/);
  });

  test('too few samples give no verdict', () => {
    const row = health(compareBaselines(comparable(file(2, { n: 5 })), comparable(file(4, { n: 5 })), { tolerance: 0.1 }));
    expect(row).toMatchObject({ verdict: 'insufficient_data', regression: false });
    expect(row.summary).toMatch(/not enough samples \(5 vs 5/);
  });

  test('single-hub baselines pair across ports; several hubs pair by URL and report the rest', () => {
    const c = compareBaselines(comparable(file(2, { url: 'http://127.0.0.1:1' })), comparable(file(2, { url: 'http://127.0.0.1:2' })), { tolerance: 0.1 });
    expect(health(c)).toMatchObject({ hubA: 'http://127.0.0.1:1', hubB: 'http://127.0.0.1:2' });
    const two = comparable(file(2, { url: 'http://a' }));
    two.hubs.push(comparable(file(2, { url: 'http://b' })).hubs[0]!);
    const d = compareBaselines(two, comparable(file(2, { url: 'http://a' })), { tolerance: 0.1 });
    expect(d.unmatched).toEqual(['hub http://b only in A']);
    expect(new Set(d.rows.map((r) => r.hubA))).toEqual(new Set(['http://a']));
  });

  test('deterministic: the same files give the same intervals', () => {
    const run = () => health(compareBaselines(comparable(file(2, { seed: 5 })), comparable(file(2.1, { seed: 6 })), { tolerance: 0.1 })).comparison.ci;
    expect(run()).toEqual(run());
  });
});
