import { describe, expect, test } from 'vitest';
import { defaultConfig, type MonitorConfig } from '../config/defaults.js';
import type { callCanary, probeServer } from '../sources/server-probe.js';
import type { CanaryResult, ProbeResult } from '../model/probe.js';
import { ManualClock } from '../model/clock.js';
import type { EventRow, SampleRow } from './observations.js';
import { deriveProbeRows, HubProber, idleProbeTargets } from './prober.js';
import { WriteBuffer } from './write-buffer.js';

const HUB = 'http://127.0.0.1:7000';

test('a connected server that stops answering is one probe_disagreement, then probe_recovered when it answers', () => {
  const alive = { server: 'fs', outcome: 'alive' as const, latencyMs: 3.456 };
  const dead = { server: 'fs', outcome: 'dead' as const, latencyMs: 2, detail: 'Not connected' };
  const r1 = deriveProbeRows(HUB, 1, [alive], [], new Map());
  expect(r1.events).toEqual([]);
  expect(r1.samples).toEqual([
    { hub: HUB, name: 'server.probe_ok', labels: { server: 'fs' }, t: 1, v: 1 },
    { hub: HUB, name: 'server.probe_latency_ms', labels: { server: 'fs' }, t: 1, v: 3.46 },
  ]);
  const r2 = deriveProbeRows(HUB, 2, [dead], [], r1.outcomes);
  expect(r2.events).toEqual([{ hub: HUB, t: 2, type: 'probe_disagreement', server: 'fs', data: { hubStatus: 'connected', outcome: 'dead', detail: 'Not connected', latencyMs: 2 } }]);
  expect(r2.samples).toEqual([{ hub: HUB, name: 'server.probe_ok', labels: { server: 'fs' }, t: 2, v: 0, err: 'dead' }]);
  // Still dead: a sample, no repeated event.
  const r3 = deriveProbeRows(HUB, 3, [dead], [], r2.outcomes);
  expect(r3.events).toEqual([]);
  const r4 = deriveProbeRows(HUB, 4, [alive], [], r3.outcomes);
  expect(r4.events).toEqual([{ hub: HUB, t: 4, type: 'probe_recovered', server: 'fs', data: { after: 'dead' } }]);
});

test('a hub that does not answer says nothing about the child: a null sample, no disagreement', () => {
  const r = deriveProbeRows(HUB, 1, [{ server: 'fs', outcome: 'unreachable', latencyMs: 5 }], [], new Map([['probe\0fs', 'alive']]));
  expect(r.events).toEqual([]);
  expect(r.samples).toEqual([{ hub: HUB, name: 'server.probe_ok', labels: { server: 'fs' }, t: 1, v: null, err: 'unreachable' }]);
});

test('not_connected is left to the poll (the hub is consistent)', () => {
  const r = deriveProbeRows(HUB, 1, [{ server: 'fs', outcome: 'not_connected', latencyMs: 1 }], [], new Map());
  expect(r).toMatchObject({ samples: [], events: [] });
});

test('canaries: latency when ok, failure events on change only, recovery', () => {
  const ok = { server: 'e', tool: 'echo', outcome: 'ok' as const, latencyMs: 10 };
  const bad = { server: 'e', tool: 'echo', outcome: 'tool_error' as const, latencyMs: 10, detail: 'boom' };
  const r1 = deriveProbeRows(HUB, 1, [], [ok], new Map());
  expect(r1.samples.map((s) => [s.name, s.v])).toEqual([['canary.ok', 1], ['canary.latency_ms', 10]]);
  const r2 = deriveProbeRows(HUB, 2, [], [bad], r1.outcomes);
  expect(r2.events).toEqual([{ hub: HUB, t: 2, type: 'canary_failed', server: 'e', data: { tool: 'echo', outcome: 'tool_error', detail: 'boom' } }]);
  expect(deriveProbeRows(HUB, 3, [], [bad], r2.outcomes).events).toEqual([]);
  expect(deriveProbeRows(HUB, 4, [], [ok], r2.outcomes).events).toEqual([{ hub: HUB, t: 4, type: 'canary_recovered', server: 'e', data: { tool: 'echo', after: 'tool_error' } }]);
});

describe('the prober on a manual clock: idle rounds between full rounds', () => {
  const TIMEOUT = 5_000;

  /** A hub of `servers` whose children answer in 5 ms, or — once in `frozen` — only the hub's timeout (hung). */
  function setup(servers: string[], over: Partial<MonitorConfig['probes']> = {}) {
    const clock = new ManualClock();
    const cfg = defaultConfig();
    cfg.probes = { ...cfg.probes, timeout: TIMEOUT, ...over };
    const frozen = new Set<string>();
    const asked: { t: number; server: string }[] = [];
    const rounds: { t: number; probes: ProbeResult[]; canaries: CanaryResult[]; complete: boolean }[] = [];
    const samples: SampleRow[] = [];
    const events: EventRow[] = [];
    const writer = new WriteBuffer({ insertSamples: (r) => samples.push(...r), insertEvents: (r) => events.push(...r) });
    const probe: typeof probeServer = (_hub, server, opts) => {
      asked.push({ t: clock.monotonic(), server });
      const hung = frozen.has(server);
      return new Promise((resolve) => clock.setTimeout(() => resolve(hung
        ? { server, outcome: 'hung', latencyMs: opts.timeoutMs, detail: 'Request timed out' }
        : { server, outcome: 'alive', latencyMs: 5 }), hung ? opts.timeoutMs : 5));
    };
    const canary: typeof callCanary = (_hub, spec) => Promise.resolve({ server: spec.server, tool: spec.tool, outcome: frozen.has(spec.server) ? 'hung' : 'ok', latencyMs: 1 });
    const prober = new HubProber(HUB, {
      cfg, clock, writer, agent: undefined as never, connectedServers: () => servers, probe, canary,
      onRound: (probes, canaries, _answered, complete) => rounds.push({ t: clock.monotonic(), probes, canaries, complete }),
    });
    prober.start();
    /** Stops the prober, moving time on so a probe it is waiting for can finish. */
    const stop = async () => {
      const stopped = prober.stop();
      await clock.advance(2 * TIMEOUT);
      await stopped;
    };
    return { clock, frozen, asked, rounds, samples, events, prober, stop };
  }
  const hungAt = (rounds: { t: number; probes: ProbeResult[] }[], server: string) => rounds.find((r) => r.probes.some((p) => p.server === server && p.outcome === 'hung'))?.t;

  test('a child stopped at any phase is found hung within idle interval + timeout (10 s), not at the next full round', async () => {
    for (const phase of [0, 1_000, 2_500, 4_990, 30_000, 59_000]) {
      const s = setup(['quiet', 'frozen']);
      await s.clock.advance(20_000 + phase);
      const stoppedAt = s.clock.monotonic();
      s.frozen.add('frozen');
      await s.clock.advance(30_000);
      const found = hungAt(s.rounds, 'frozen');
      expect(found, `phase ${phase}`).toBeDefined();
      expect(found! - stoppedAt, `phase ${phase}`).toBeLessThanOrEqual(5_000 + TIMEOUT + 10);
      await s.stop();
    }
  });

  test('full rounds (all servers, canaries, samples) every interval; idle rounds in between are partial and store no samples', async () => {
    const s = setup(['a', 'b'], { canaries: [{ hub: '', server: 'a', tool: 'echo', arguments: {} }] });
    await s.clock.advance(60_100);
    const full = s.rounds.filter((r) => r.complete);
    expect(full.map((r) => r.t)).toEqual([60_010]); // the 60 s slot, after two 5 ms probes
    expect(full[0]!.canaries).toHaveLength(1);
    const idle = s.rounds.filter((r) => !r.complete);
    expect(idle.map((r) => r.t)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55].map((k) => k * 1_000 + 10));
    expect(idle.every((r) => r.canaries.length === 0)).toBe(true);
    // One probe_ok sample per server per full round only.
    expect(s.samples.filter((r) => r.name === 'server.probe_ok').map((r) => r.labels?.server)).toEqual(['a', 'b']);
    await s.stop();
  });

  test('a server that showed life within the last half idle interval is not probed; a quiet one is', async () => {
    const s = setup(['chatty', 'quiet']);
    for (let t = 0; t < 30_000; t += 1_000) {
      s.prober.noteLife('chatty'); // e.g. a stderr line every second
      await s.clock.advance(1_000);
    }
    expect(s.asked.filter((a) => a.server === 'chatty')).toEqual([]);
    expect(s.asked.filter((a) => a.server === 'quiet').length).toBe(6); // every 5 s
    await s.stop();
  });

  test('a canary that hangs probes its server at once, out of turn', async () => {
    const s = setup(['e'], { canaries: [{ hub: '', server: 'e', tool: 'echo', arguments: {} }], idle_interval: 0 });
    await s.clock.advance(59_000);
    s.frozen.add('e');
    // The full round at 60 s: the probe hangs for the timeout, then the canary fails: a probe follows at once.
    await s.clock.advance(1_000 + 2 * TIMEOUT + 100);
    expect(s.asked.map((a) => a.t)).toEqual([60_000, 65_000]);
    expect(s.rounds.map((r) => [r.t, r.complete])).toEqual([[65_000, true], [70_000, false]]);
    await s.stop();
  });

  test('a child already found hung is probed last, so it never delays finding another', async () => {
    const s = setup(['a', 'b', 'c']);
    await s.clock.advance(12_000);
    s.frozen.add('a');
    // The 15 s round finds it hung (a, then b and c); from the 25 s round on it is asked last.
    await s.clock.advance(14_000);
    expect(s.asked.filter((x) => x.t >= 15_000 && x.t < 25_000).map((x) => x.server)).toEqual(['a', 'b', 'c']);
    expect(s.asked.filter((x) => x.t >= 25_000).map((x) => x.server)).toEqual(['b', 'c', 'a']);
    await s.stop();
  });

  test('probes.idle_interval 0: full rounds only, as before', async () => {
    const s = setup(['a'], { idle_interval: 0 });
    await s.clock.advance(125_000);
    expect(s.asked.map((a) => a.t)).toEqual([60_000, 120_000]);
    expect(s.rounds.every((r) => r.complete)).toBe(true);
    await s.stop();
  });
});

test('idleProbeTargets: no sign of life since `quietSince`, or in trouble', () => {
  const life = new Map([['fresh', 100], ['stale', 10]]);
  expect(idleProbeTargets(['fresh', 'stale', 'never', 'troubled'], life, 50, new Set(['troubled']))).toEqual(['stale', 'never', 'troubled']);
  expect(idleProbeTargets(['fresh'], life, 50, new Set(['fresh']))).toEqual(['fresh']);
});
