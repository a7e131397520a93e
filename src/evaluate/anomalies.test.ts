import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import type { HubSnapshot, ServerInfo } from '../model/hub.js';
import { parseHealth } from '../sources/hub-models.js';
import { cyclesInPolls, evaluateAnomalies, robustZ, type AnomalyInputs } from './anomalies.js';
import type { LogWindowFacts, ProcessFacts } from '../model/anomaly-window.js';
import type { Finding } from './types.js';

const HUB = 'http://127.0.0.1:37373';
const NOW = Date.parse('2026-11-24T19:24:40.000Z');
const cfg = defaultConfig();

/** A connected server clearly up: two minutes of uptime since its last start. */
function server(name: string, over: Partial<ServerInfo> = {}): ServerInfo {
  return { name, status: 'connected', error: null, uptimeS: 120, lastStartedMs: NOW - 120_000, toolCount: 2, ...over };
}

/** An answered health poll at hub time `at` listing these servers. */
function poll(servers: ServerInfo[], at = NOW, latencyMs = 5): HubSnapshot {
  return {
    target: { url: HUB, origin: 'flag' },
    at,
    monotonicAt: at - NOW + 10_000,
    health: { ok: true, value: { status: 'ok', state: 'ready', serverId: 'mcp-hub', version: '4.2.1', timestampMs: at, servers }, issues: [], latencyMs },
    metrics: { sources: [] },
    routes: {},
  };
}

function failedPoll(at = NOW): HubSnapshot {
  return {
    target: { url: HUB, origin: 'flag' }, at, monotonicAt: at - NOW + 10_000, metrics: { sources: [] }, routes: {},
    health: { ok: false, failure: 'timeout', message: `GET ${HUB}/api/health: timed out`, latencyMs: 2_000 },
  };
}

/** Five answered polls 2 s apart over 8 s, latencies varying a little, servers up and counting. */
function steadyPolls(latencies: number[] = [5, 5.2, 4.9, 5.1, 5.0]): HubSnapshot[] {
  const start = NOW - (latencies.length - 1) * 2_000;
  return latencies.map((ms, i) => poll([server('a', { uptimeS: 112 + 2 * i }), server('b', { uptimeS: 112 + 2 * i })], start + i * 2_000, ms));
}

const quietProcess: ProcessFacts = { hubPid: 4242, cpuPercent: 3.5, rssBytes: 80_000_000, childCount: 2, childrenRssBytes: 120_000_000 };

/** A quiet 10 s window of a text log: few lines, no errors, no floods. */
function log(over: Partial<LogWindowFacts> = {}): LogWindowFacts {
  return {
    path: '/home/u/.local/state/mcp-hub/logs/mcp-hub.log',
    sizeBytes: 2_000_000,
    windowLines: 12,
    windowMs: 10_000,
    timedErrors: [],
    untimedErrorsInFile: 0,
    untimedErrorsInWindow: 0,
    connectsByServer: new Map([['a', 1], ['b', 1]]),
    ...over,
  };
}

function inputs(over: Partial<AnomalyInputs> = {}): AnomalyInputs {
  return { polls: steadyPolls(), process: quietProcess, log: log(), ...over };
}

const run = (i: AnomalyInputs, config = cfg) => evaluateAnomalies(i, config, NOW);
const all = (fs: Finding[], id: string, subject?: string) => fs.filter((f) => f.id === id && (subject === undefined || f.subject === subject));
const one = (fs: Finding[], id: string, subject?: string): Finding => {
  const found = all(fs, id, subject);
  expect(found, `exactly one ${id} in ${JSON.stringify(fs.map((f) => [f.id, f.subject]))}`).toHaveLength(1);
  return found[0]!;
};

describe('robustZ', () => {
  test.each([
    { name: 'no values', values: [] },
    { name: 'one value', values: [3] },
    { name: 'four values', values: [1, 2, 3, 100] },
  ])('fewer than 5 values gives undefined ($name)', ({ values }) => {
    expect(robustZ(values)).toBeUndefined();
  });

  test('a constant history gives undefined (MAD 0), whatever the last value', () => {
    expect(robustZ([7, 7, 7, 7, 7])).toBeUndefined();
    expect(robustZ([7, 7, 7, 7, 1_000])).toBeUndefined();
  });

  test('a clear outlier gives a large |z|, on either side', () => {
    const high = robustZ([10, 11, 9, 10, 12, 10, 11, 9, 100])!;
    expect(high.median).toBe(10);
    expect(high.mad).toBe(1);
    expect(high.z).toBeCloseTo(90 / 1.4826, 9);
    const low = robustZ([10, 11, 9, 10, 12, 10, 11, 9, -50])!;
    expect(low.z).toBeLessThan(-30);
  });

  test('a value inside the history gives a small |z|', () => {
    expect(Math.abs(robustZ([10, 11, 9, 10, 12, 10, 11, 9, 10.5])!.z)).toBeLessThan(1);
  });

  test('the last value is judged against the others, not against itself', () => {
    // Median of [1,2,3,4] is 2.5 and MAD 1; including the last value would move both.
    expect(robustZ([1, 2, 3, 4, 1_000])).toMatchObject({ median: 2.5, mad: 1 });
  });

  const series = fc.array(fc.integer({ min: -1_000, max: 1_000 }), { minLength: 5, maxLength: 30 });
  const close = (a: ReturnType<typeof robustZ>, b: ReturnType<typeof robustZ>) => {
    if (a === undefined) expect(b).toBeUndefined();
    else {
      expect(b).toBeDefined();
      expect(Math.abs(a.z - b!.z)).toBeLessThanOrEqual(1e-9);
    }
  };

  test('property: z is unchanged by adding a constant to every value', () => {
    fc.assert(fc.property(series, fc.integer({ min: -1_000_000, max: 1_000_000 }), (values, c) => {
      close(robustZ(values), robustZ(values.map((v) => v + c)));
    }));
  });

  test('property: z is unchanged by scaling every value by a positive factor', () => {
    const factor = fc.double({ min: 0.001, max: 1_000, noNaN: true, noDefaultInfinity: true });
    fc.assert(fc.property(series, factor, (values, k) => {
      close(robustZ(values), robustZ(values.map((v) => v * k)));
    }));
  });
});

describe('cyclesInPolls', () => {
  const up = (name: string, uptimeS: number, lastStartedMs = NOW - 120_000) => server(name, { uptimeS, lastStartedMs });
  const down = (name: string) => server(name, { status: 'disconnected', error: 'Connection closed', uptimeS: 0, lastStartedMs: null });

  test('connected → disconnected → connected counts one cycle per return', () => {
    const polls = [
      poll([up('a', 50)]), poll([down('a')]), poll([up('a', 1, NOW - 1_000)]),
      poll([down('a')]), poll([up('a', 2, NOW - 500)]),
    ];
    expect(cyclesInPolls(polls).get('a')).toBe(2);
  });

  test('uptime going backwards while connected counts a cycle', () => {
    expect(cyclesInPolls([poll([up('a', 100)]), poll([up('a', 5, NOW - 5_000)])]).get('a')).toBe(1);
  });

  test('a server that stays up counts 0', () => {
    const c = cyclesInPolls([poll([up('a', 10)]), poll([up('a', 12)]), poll([up('a', 14)])]);
    expect(c.get('a') ?? 0).toBe(0);
  });

  test('a server that stays down counts 0', () => {
    const c = cyclesInPolls([poll([down('a')]), poll([down('a')])]);
    expect(c.get('a') ?? 0).toBe(0);
  });

  test('failed polls in between are skipped, not counted as down', () => {
    const c = cyclesInPolls([poll([up('a', 10)]), failedPoll(), poll([up('a', 14)])]);
    expect(c.get('a') ?? 0).toBe(0);
  });

  test('servers are counted separately', () => {
    const c = cyclesInPolls([poll([up('a', 10), up('b', 10)]), poll([down('a'), up('b', 12)]), poll([up('a', 1, NOW - 1_000), up('b', 14)])]);
    expect(c.get('a')).toBe(1);
    expect(c.get('b') ?? 0).toBe(0);
  });
});

describe('evaluateAnomalies', () => {
  test('a quiet window gives no warning and no critical', () => {
    const fs = run(inputs());
    expect(fs.filter((f) => f.status === 'warning' || f.status === 'critical')).toEqual([]);
    expect(fs.every((f) => f.hub === HUB)).toBe(true);
  });

  test('no poll at all is anomaly.window no_data', () => {
    expect(run(inputs({ polls: [] }))).toEqual([expect.objectContaining({ id: 'anomaly.window', status: 'no_data' })]);
  });

  describe('error spikes', () => {
    const recent = Array.from({ length: 11 }, (_, i) => NOW - 60_000 - i * 1_000);
    const old = Array.from({ length: 11 }, (_, i) => NOW - 600_000 - i * 1_000);

    test.each<{ name: string; l: Partial<LogWindowFacts>; status: Finding['status']; value?: number; message?: RegExp }>([
      { name: '11 timed errors within 5 min is a warning', l: { timedErrors: recent }, status: 'warning', value: 11, message: /11 error lines in the last 5 min/ },
      { name: '10 timed errors within 5 min is ok (more than 10 is a spike)', l: { timedErrors: recent.slice(1) }, status: 'ok', value: 10 },
      { name: '11 timed errors 10 min old are ok', l: { timedErrors: old }, status: 'ok', value: 0 },
      {
        name: 'untimed: hub started 60 s ago with 12 errors in the file is a warning "since the hub started"',
        l: { untimedErrorsInFile: 12, untimedErrorsInWindow: 1, fileStartMs: NOW - 60_000 }, status: 'warning', value: 12, message: /since the hub started 60s ago/,
      },
      {
        name: 'untimed: hub started 60 s ago with 10 errors in the file is ok',
        l: { untimedErrorsInFile: 10, untimedErrorsInWindow: 1, fileStartMs: NOW - 60_000 }, status: 'ok', value: 10,
      },
      {
        name: 'untimed: hub started long ago, 2 errors in the 10 s window is ok (threshold max(3, …))',
        l: { untimedErrorsInFile: 500, untimedErrorsInWindow: 2, fileStartMs: NOW - 86_400_000 }, status: 'ok', value: 2, message: /during the 10s window.*threshold 3/,
      },
      {
        name: 'untimed: hub started long ago, 3 errors in the 10 s window is ok (at the threshold)',
        l: { untimedErrorsInFile: 500, untimedErrorsInWindow: 3, fileStartMs: NOW - 86_400_000 }, status: 'ok', value: 3,
      },
      {
        name: 'untimed: hub started long ago, 4 errors in the 10 s window is a warning',
        l: { untimedErrorsInFile: 500, untimedErrorsInWindow: 4, fileStartMs: NOW - 86_400_000 }, status: 'warning', value: 4,
      },
      {
        name: 'untimed: an unknown start falls back to the window',
        l: { untimedErrorsInFile: 500, untimedErrorsInWindow: 4 }, status: 'warning', value: 4, message: /window/,
      },
    ])('$name', ({ l, status, value, message }) => {
      const f = one(run(inputs({ log: log(l) })), 'anomaly.error_spike');
      expect(f.status).toBe(status);
      if (value !== undefined) expect(f.value).toBe(value);
      if (message) expect(f.message).toMatch(message);
    });

    test('the window threshold scales with the window: a 150 s window allows ceil(10 × 150 / 300) = 5 errors', () => {
      const base = { untimedErrorsInFile: 500, fileStartMs: NOW - 86_400_000, windowMs: 150_000 };
      expect(one(run(inputs({ log: log({ ...base, untimedErrorsInWindow: 5 }) })), 'anomaly.error_spike')).toMatchObject({ status: 'ok', threshold: 5 });
      expect(one(run(inputs({ log: log({ ...base, untimedErrorsInWindow: 6 }) })), 'anomaly.error_spike').status).toBe('warning');
    });
  });

  describe('flapping', () => {
    test.each([
      { name: '5 connects of a (4 reconnects > 3) is a warning naming a', connects: 5, status: 'warning', message: /a \(4 reconnects\)/ },
      { name: '4 connects of a (3 reconnects) is ok', connects: 4, status: 'ok', message: /no server reconnected more than 3 times/ },
    ])('$name', ({ connects, status, message }) => {
      const f = one(run(inputs({ log: log({ connectsByServer: new Map([['a', connects], ['b', 1]]) }) })), 'anomaly.flapping');
      expect(f.status).toBe(status);
      expect(f.message).toMatch(message);
    });

    test('four disconnect/reconnect cycles seen in the polls are flapping without any log', () => {
      const up = (u: number, t: number) => server('a', { uptimeS: u, lastStartedMs: t - u * 1_000 - 100 });
      const down = server('a', { status: 'disconnected', error: 'Connection closed', uptimeS: 0, lastStartedMs: null });
      const polls = [poll([up(50, NOW - 8_000)], NOW - 8_000)];
      for (let i = 0; i < 4; i++) polls.push(poll([down], NOW - 7_000 + i * 2_000), poll([up(1, NOW - 6_000 + i * 2_000)], NOW - 6_000 + i * 2_000));
      const f = one(run(inputs({ polls, log: undefined, logUnavailable: 'no log' })), 'anomaly.flapping');
      expect(f.status).toBe('warning');
      expect(f.message).toContain('a (4 reconnects)');
    });
  });

  describe('process resources', () => {
    test.each([
      { name: 'CPU 85% is a warning', cpu: 85, status: 'warning' },
      { name: 'CPU 50% is ok', cpu: 50, status: 'ok' },
      { name: 'CPU exactly 80% is ok (above 80 is an anomaly)', cpu: 80, status: 'ok' },
    ])('$name', ({ cpu, status }) => {
      const f = one(run(inputs({ process: { ...quietProcess, cpuPercent: cpu } })), 'anomaly.cpu');
      expect(f).toMatchObject({ status, value: cpu, threshold: 80 });
    });

    test('the busiest child is named in the CPU message', () => {
      const f = one(run(inputs({ process: { ...quietProcess, cpuPercent: 90, topChild: { command: 'node server.js', cpuPercent: 70 } } })), 'anomaly.cpu');
      expect(f.message).toContain('busiest child node server.js at 70%');
    });

    test.each([
      { name: 'RSS 600 MB is a warning (default 500 MB, decimal)', rss: 600_000_000, status: 'warning', threshold: 500_000_000 },
      { name: 'RSS 510 MB (under 500 MiB) is already a warning: the defaults are decimal', rss: 510_000_000, status: 'warning', threshold: 500_000_000 },
      { name: 'RSS 1.2 GB is critical (default 1 GB, decimal)', rss: 1_200_000_000, status: 'critical', threshold: 1_000_000_000 },
      { name: 'RSS 400 MB is ok', rss: 400_000_000, status: 'ok', threshold: 500_000_000 },
    ])('$name', ({ rss, status, threshold }) => {
      const f = one(run(inputs({ process: { ...quietProcess, rssBytes: rss } })), 'anomaly.memory');
      expect(f).toMatchObject({ status, value: rss, threshold });
    });

    test('processUnavailable gives anomaly.cpu no_data with the reason and no memory finding', () => {
      const fs = run(inputs({ process: undefined, processUnavailable: 'remote hub: no process facts' }));
      expect(one(fs, 'anomaly.cpu')).toMatchObject({ status: 'no_data', message: 'remote hub: no process facts' });
      expect(all(fs, 'anomaly.memory')).toEqual([]);
    });
  });

  describe('the hub log', () => {
    test.each([
      { name: 'a 150 MB log is a warning', size: 150_000_000, status: 'warning' },
      { name: 'a 50 MB log is ok', size: 50_000_000, status: 'ok' },
    ])('$name', ({ size, status }) => {
      const f = one(run(inputs({ log: log({ sizeBytes: size }) })), 'anomaly.log_growth');
      expect(f).toMatchObject({ status, value: size, threshold: 100_000_000 });
      if (status === 'warning') expect(f.message).toMatch(/never rotates/);
    });

    const flood = 'Client disconnected, cleaning up session';
    test.each<{ name: string; l: Partial<LogWindowFacts>; status: Finding['status']; message: RegExp }>([
      {
        name: 'flood now: 2,000 lines in 10 s with 1,900 identical is a warning naming the message',
        l: { windowLines: 2_000, windowMs: 10_000, topWindowMessage: { message: flood, count: 1_900 } },
        status: 'warning', message: /^log flood now: 200 lines\/s, 95% the same message: "Client disconnected, cleaning up session"/,
      },
      {
        name: '2,000 varied lines in 10 s (25% the same) is ok: busy, not a flood',
        l: { windowLines: 2_000, windowMs: 10_000, topWindowMessage: { message: flood, count: 500 } },
        status: 'ok', message: /200 lines\/s during the window/,
      },
      {
        name: '900 identical lines in 10 s (90 lines/s) is ok: under the rate',
        l: { windowLines: 900, windowMs: 10_000, topWindowMessage: { message: flood, count: 900 } },
        status: 'ok', message: /90 lines\/s during the window/,
      },
      {
        name: 'flood in the past: a message repeated 2168 times in the file is a warning mentioning 2168',
        l: { topFileMessage: { message: flood, count: 2_168 } },
        status: 'warning', message: /a log flood happened: 2168 identical lines "Client disconnected/,
      },
      {
        name: 'a message repeated 999 times in the file is ok',
        l: { topFileMessage: { message: flood, count: 999 } },
        status: 'ok', message: /lines\/s during the window/,
      },
    ])('$name', ({ l, status, message }) => {
      const f = one(run(inputs({ log: log(l) })), 'anomaly.log_flood');
      expect(f.status).toBe(status);
      expect(f.message).toMatch(message);
    });

    test('logUnavailable gives anomaly.log_flood no_data with the reason and no other log finding', () => {
      const fs = run(inputs({ log: undefined, logUnavailable: 'log not readable: EACCES' }));
      expect(one(fs, 'anomaly.log_flood')).toMatchObject({ status: 'no_data', message: 'log not readable: EACCES' });
      expect(all(fs, 'anomaly.error_spike')).toEqual([]);
      expect(all(fs, 'anomaly.log_growth')).toEqual([]);
    });
  });

  describe('availability and disconnections', () => {
    test.each([
      { name: 'every poll answered is ok', failed: [], status: 'ok', value: 5 },
      { name: '3 of 5 polls failed is a warning', failed: [1, 2, 3], status: 'warning', value: 2 },
      { name: 'every poll failed is critical', failed: [0, 1, 2, 3, 4], status: 'critical', value: 0 },
    ])('$name', ({ failed, status, value }) => {
      const polls = steadyPolls().map((p, i) => (failed.includes(i) ? failedPoll(p.at) : p));
      const f = one(run(inputs({ polls })), 'anomaly.availability');
      expect(f).toMatchObject({ status, value });
      expect(f.message).toBe(`${value} of 5 health polls answered during the window`);
    });

    test('every poll failed gives no server findings', () => {
      const fs = run(inputs({ polls: [failedPoll(NOW - 2_000), failedPoll(NOW)] }));
      expect(fs.filter((f) => f.id.startsWith('server'))).toEqual([]);
      expect(all(fs, 'anomaly.disconnections')).toEqual([]);
    });

    test('a connected server whose uptime stays 0 from the first to the last poll is server.status critical "dead"', () => {
      const stuck = (at: number) => poll([server('a', { uptimeS: 0, lastStartedMs: NOW - 600_000 }), server('b', { uptimeS: 120 + (at - NOW) / 1_000 })], at);
      const fs = run(inputs({ polls: [stuck(NOW - 4_000), stuck(NOW - 2_000), stuck(NOW)] }));
      const f = one(fs, 'server.status', 'a');
      expect(f).toMatchObject({ status: 'critical', value: 'dead' });
      expect(f.message).toContain('uptime stayed 0');
      expect(one(fs, 'server.status', 'b').value).toBe('up');
      expect(all(fs, 'servers.down')).toEqual([]);
      expect(one(fs, 'anomaly.disconnections')).toMatchObject({ status: 'warning', value: 1 });
    });

    test('a server disconnected at the last poll is counted in anomaly.disconnections', () => {
      const polls = steadyPolls();
      polls.push(poll([server('a', { uptimeS: 130 }), server('b', { status: 'disconnected', error: 'Connection closed', uptimeS: 0, lastStartedMs: null })], NOW + 2_000));
      const f = one(evaluateAnomalies(inputs({ polls }), cfg, NOW + 2_000), 'anomaly.disconnections');
      expect(f).toMatchObject({ status: 'warning', value: 1 });
      expect(f.message).toContain('b');
    });
  });

  describe('latency outliers', () => {
    test.each([
      { name: 'health latencies [5, 5.2, 4.9, 5.1, 5.0, 50] end in an outlier: warning', latencies: [5, 5.2, 4.9, 5.1, 5.0, 50], status: 'warning' },
      { name: 'health latencies [5, 5.2, 4.9, 5.1, 5.0, 5.1] are ok', latencies: [5, 5.2, 4.9, 5.1, 5.0, 5.1], status: 'ok' },
      { name: 'four latencies are too few to judge: no_data', latencies: [5, 5.2, 4.9, 50], status: 'no_data' },
      { name: 'identical latencies cannot be judged: no_data', latencies: [5, 5, 5, 5, 5, 50], status: 'no_data' },
    ])('$name', ({ latencies, status }) => {
      const f = one(run(inputs({ polls: steadyPolls(latencies) })), 'anomaly.outlier');
      expect(f.status).toBe(status);
      if (status !== 'no_data') expect(f.threshold).toBe(cfg.anomalies.outlier_sigmas);
    });

    test('failed polls are left out of the latency series', () => {
      const polls = steadyPolls([5, 5.2, 4.9, 5.1, 5.0, 5.1]);
      polls.splice(3, 0, failedPoll(NOW - 5_000));
      const f = one(run(inputs({ polls })), 'anomaly.outlier');
      expect(f.status).toBe('ok');
      expect(f.message).toMatch(/^health latency 5\.1 ms vs median 5\.0 ms/);
    });
  });
});

describe('something that is not a hub answers', () => {
  /** An answered poll of an HTTP server that is not a hub: its 200 body (`{}`) through the real parser. */
  function notAHub(at: number, body: object = {}): HubSnapshot {
    const parsed = parseHealth(body);
    return { ...poll([], at), health: { ok: true, value: parsed.value, issues: parsed.issues, latencyMs: 3 } };
  }

  test('200 {} is hub.identity CRITICAL, as check says, and its process, log and latencies are not judged', () => {
    const polls = [0, 1, 2, 3, 4, 5].map((k) => notAHub(NOW - 5_000 + k * 1_000));
    const fs = run(inputs({ polls }));
    expect(one(fs, 'hub.identity')).toMatchObject({ status: 'critical', value: 'absent', message: `not an MCP hub at ${HUB} (server_id null)` });
    expect(fs.map((f) => f.id)).toEqual(['anomaly.availability', 'hub.identity']);
  });

  test('one impostor answer among hub answers (the port changed hands) is enough', () => {
    const polls = [...steadyPolls(), notAHub(NOW + 1_000, { status: 'ok', server_id: 'grafana' })];
    expect(one(run(inputs({ polls })), 'hub.identity')).toMatchObject({ status: 'critical', value: 'grafana' });
  });

  test('a real hub gives no identity finding', () => {
    expect(all(run(inputs()), 'hub.identity')).toEqual([]);
  });
});

describe('cyclesInPolls regressions', () => {
  test('a first connect (connecting → connected) is not a reconnect', () => {
    const polls = [
      poll([server('a', { status: 'connecting', uptimeS: 0 })], NOW),
      poll([server('a', { status: 'connected', uptimeS: 0 })], NOW + 1_000),
      poll([server('a', { status: 'connected', uptimeS: 1 })], NOW + 2_000),
    ];
    expect(cyclesInPolls(polls).get('a') ?? 0).toBe(0);
  });

  test('disconnected → connected is not a cycle until the server had been up before', () => {
    const polls = [poll([server('a', { status: 'disconnected', uptimeS: 0 })], NOW), poll([server('a', { uptimeS: 3 })], NOW + 1_000)];
    expect(cyclesInPolls(polls).get('a') ?? 0).toBe(0);
  });
});

describe('with the daemon history of the last hour', () => {
  const history = (over: Partial<import('./history.js').HistoryFacts> = {}) => ({
    spanMs: 3_600_000, latencyMs: [5, 5.1, 4.9, 5, 5.2, 5, 4.8, 5.1], polls: 720, failedPolls: 0, reconnectsByServer: new Map<string, number>(), probeProblems: new Map(), ...over,
  });

  test('reconnects recorded over the hour make a server flapping even when the window saw none', () => {
    const f = run(inputs({ history: history({ reconnectsByServer: new Map([['a', 6]]) }) }));
    expect(one(f, 'anomaly.flapping')).toMatchObject({ status: 'warning' });
    expect(one(f, 'anomaly.flapping').message).toContain('a (6 reconnects)');
  });

  test('the hour\'s availability is its own finding: 100% ok, 95% warning, 80% critical', () => {
    expect(one(run(inputs({ history: history() })), 'anomaly.history').status).toBe('ok');
    expect(one(run(inputs({ history: history({ failedPolls: 36 }) })), 'anomaly.history').status).toBe('warning');
    expect(one(run(inputs({ history: history({ failedPolls: 144 }) })), 'anomaly.history').status).toBe('critical');
  });

  test('window latencies are judged against the hour: a slow window stands out that its own samples would not show', () => {
    const slow = [50, 51, 49, 50, 52].map((ms, k) => poll([server('a')], NOW + k * 1_000, ms));
    expect(one(run(inputs({ polls: slow })), 'anomaly.outlier').status).toBe('ok');
    expect(one(run(inputs({ polls: slow, history: history() })), 'anomaly.outlier').status).toBe('warning');
  });
});
