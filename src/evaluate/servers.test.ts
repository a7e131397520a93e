import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import type { ServerInfo } from '../model/hub.js';
import { evaluateServers, judgeServer, type ServerSample, type ServerVerdict } from './servers.js';

const HUB = 'http://127.0.0.1:7000';
const NOW = Date.parse('2026-11-24T19:24:33.813Z');
const DEAD_AFTER = defaultConfig().check.dead_after; // 10 s

function server(over: Partial<ServerInfo> = {}): ServerInfo {
  return { name: 'everything', status: 'connected', error: null, uptimeS: 5, lastStartedMs: NOW - 60_000, toolCount: 3, ...over };
}

function sample(over: Partial<ServerInfo> = {}, atMs = NOW): ServerSample {
  return { server: server(over), atMs };
}

describe('judgeServer', () => {
  test.each<{ name: string; cur: ServerSample; earlier?: ServerSample; verdict: ServerVerdict; message?: RegExp }>([
    { name: 'a disabled server is disabled, not down', cur: sample({ status: 'disabled', uptimeS: 0 }), verdict: 'disabled' },
    {
      name: 'a disconnected server with an error is down with that reason',
      cur: sample({ status: 'disconnected', error: 'spawn /nonexistent/bin/x ENOENT', uptimeS: 0, lastStartedMs: null }),
      verdict: 'down', message: /^disconnected: spawn \/nonexistent\/bin\/x ENOENT$/,
    },
    {
      name: 'a disconnected server without an error is down, saying no error was given',
      cur: sample({ status: 'disconnected', error: null, uptimeS: 0 }), verdict: 'down', message: /no error given/,
    },
    { name: 'an unauthorized server is down', cur: sample({ status: 'unauthorized' }), verdict: 'down', message: /OAuth/ },
    { name: 'a connecting server is connecting', cur: sample({ status: 'connecting', uptimeS: 0 }), verdict: 'connecting' },
    { name: 'a connected server with uptime > 0 is up', cur: sample({ uptimeS: 5 }), verdict: 'up', message: /up 5s/ },
    {
      name: 'a connected server with uptime 0 started 30s ago is dead',
      cur: sample({ uptimeS: 0, lastStartedMs: NOW - 30_000 }), verdict: 'dead', message: /started 30s ago/,
    },
    {
      name: 'a connected server with uptime 0 started 5m ago is dead, shown in minutes',
      cur: sample({ uptimeS: 0, lastStartedMs: NOW - 300_000 }), verdict: 'dead', message: /started 5m ago/,
    },
    {
      name: 'a connected server with uptime 0 started 3s ago is unconfirmed',
      cur: sample({ uptimeS: 0, lastStartedMs: NOW - 3_000 }), verdict: 'unconfirmed', message: /started 3s ago/,
    },
    {
      name: 'uptime 0 exactly deadAfter ago is still unconfirmed (dead only beyond it)',
      cur: sample({ uptimeS: 0, lastStartedMs: NOW - DEAD_AFTER }), verdict: 'unconfirmed',
    },
    {
      name: 'uptime 0 on two connected samples 1000 ms apart with the same lastStarted is dead',
      cur: sample({ uptimeS: 0, lastStartedMs: NOW - 3_000 }),
      earlier: sample({ uptimeS: 0, lastStartedMs: NOW - 3_000 }, NOW - 1_000),
      verdict: 'dead', message: /uptime stayed 0/,
    },
    {
      name: 'uptime 0 on two connected samples 999 ms apart is still unconfirmed',
      cur: sample({ uptimeS: 0, lastStartedMs: NOW - 3_000 }),
      earlier: sample({ uptimeS: 0, lastStartedMs: NOW - 3_000 }, NOW - 999),
      verdict: 'unconfirmed',
    },
    {
      name: 'uptime 5 earlier and 0 now with the same lastStarted is dead (uptime went backwards)',
      cur: sample({ uptimeS: 0, lastStartedMs: NOW - 3_000 }),
      earlier: sample({ uptimeS: 5, lastStartedMs: NOW - 3_000 }, NOW - 1_200),
      verdict: 'dead', message: /from 5s to 0s/,
    },
    {
      name: 'uptime 5 earlier and 0 now with a new lastStarted is a restart, not dead',
      cur: sample({ uptimeS: 0, lastStartedMs: NOW - 500 }),
      earlier: sample({ uptimeS: 5, lastStartedMs: NOW - 8_000 }, NOW - 1_200),
      verdict: 'unconfirmed',
    },
    {
      name: 'uptime counting up between samples is up',
      cur: sample({ uptimeS: 2, lastStartedMs: NOW - 3_000 }),
      earlier: sample({ uptimeS: 1, lastStartedMs: NOW - 3_000 }, NOW - 1_200),
      verdict: 'up',
    },
    {
      name: 'a connecting sample then a connected uptime-0 sample with the same lastStarted is just connected, not dead',
      cur: sample({ status: 'connected', uptimeS: 0, lastStartedMs: NOW - 3_000 }),
      earlier: sample({ status: 'connecting', uptimeS: 0, lastStartedMs: NOW - 3_000 }, NOW - 1_500),
      verdict: 'unconfirmed',
    },
    {
      name: 'connected with uptime 0 and no lastStarted is unknown',
      cur: sample({ uptimeS: 0, lastStartedMs: null }), verdict: 'unknown',
    },
    {
      name: 'connected with an unusable uptime is unknown',
      cur: sample({ uptimeS: undefined }), verdict: 'unknown', message: /uptime is missing/,
    },
    {
      name: 'an unrecognised status is unknown and quoted',
      cur: sample({ status: 'zombie' }), verdict: 'unknown', message: /"zombie"/,
    },
    { name: 'a missing status is unknown', cur: sample({ status: undefined }), verdict: 'unknown', message: /null/ },
  ])('$name', ({ cur, earlier, verdict, message }) => {
    const j = judgeServer(cur, earlier, DEAD_AFTER);
    expect(j.verdict).toBe(verdict);
    if (message) expect(j.message).toMatch(message);
  });

  test('any connected server with uptime > 0 and no history is up', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 1e9 }), (uptimeS, age) => {
      expect(judgeServer(sample({ uptimeS, lastStartedMs: NOW - age }), undefined, DEAD_AFTER).verdict).toBe('up');
    }));
  });

  test('with uptime 0 and no history the verdict is dead exactly when lastStarted is older than deadAfter', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 600_000 }), fc.integer({ min: 0, max: 120_000 }), (age, deadAfter) => {
      const v = judgeServer(sample({ uptimeS: 0, lastStartedMs: NOW - age }), undefined, deadAfter).verdict;
      expect(v).toBe(age > deadAfter ? 'dead' : 'unconfirmed');
    }));
  });
});

describe('evaluateServers', () => {
  const cfg = defaultConfig().check;
  const named = (name: string, over: Partial<ServerInfo>) => sample({ name, ...over });
  const up = (name: string) => named(name, { uptimeS: 10 });
  const down = (name: string) => named(name, { status: 'disconnected', error: 'boom', uptimeS: 0, lastStartedMs: null });
  const disabled = (name: string) => named(name, { status: 'disabled', uptimeS: 0 });
  const dead = (name: string) => named(name, { uptimeS: 0, lastStartedMs: NOW - 60_000 });
  const aggregate = (findings: ReturnType<typeof evaluateServers>) => findings.find((f) => f.id === 'servers.down')!;

  test.each([
    { name: 'all servers up is ok', list: [up('a'), up('b'), up('c')], status: 'ok', down: 0 },
    { name: '1 of 5 down is a warning', list: [down('a'), up('b'), up('c'), up('d'), up('e')], status: 'warning', down: 1 },
    { name: '2 of 5 down is a warning', list: [down('a'), down('b'), up('c'), up('d'), up('e')], status: 'warning', down: 2 },
    { name: '3 of 5 down is critical', list: [down('a'), down('b'), down('c'), up('d'), up('e')], status: 'critical', down: 3 },
    { name: 'the only server down is critical (all down)', list: [down('a')], status: 'critical', down: 1 },
    { name: 'both of 2 enabled servers down is critical (all down)', list: [down('a'), down('b'), disabled('c')], status: 'critical', down: 2 },
    { name: 'a dead server counts as down', list: [dead('a'), up('b'), up('c')], status: 'warning', down: 1 },
    { name: 'disabled servers are not counted as down', list: [disabled('a'), disabled('b'), up('c')], status: 'ok', down: 0 },
  ])('$name', ({ list, status, down: count }) => {
    const f = aggregate(evaluateServers(HUB, list, new Map(), cfg));
    expect(f.status).toBe(status);
    expect(f.value).toBe(count);
  });

  test('the aggregate names the down servers', () => {
    const f = aggregate(evaluateServers(HUB, [down('broken'), dead('everything'), up('fs'), up('x')], new Map(), cfg));
    expect(f.message).toBe('2 of 4 enabled servers down: broken, everything');
  });

  test('all enabled servers down says so', () => {
    const f = aggregate(evaluateServers(HUB, [down('a'), down('b'), disabled('c')], new Map(), cfg));
    expect(f.message).toBe('all 2 enabled servers down: a, b');
  });

  test('a long list of down servers is cut after ten names', () => {
    const list = Array.from({ length: 13 }, (_, i) => down(`s${i}`));
    const f = aggregate(evaluateServers(HUB, list, new Map(), cfg));
    expect(f.message).toMatch(/s9, \+3 more$/);
    expect(f.message).not.toContain('s10');
  });

  test('only disabled servers is ok', () => {
    const f = aggregate(evaluateServers(HUB, [disabled('a'), disabled('b')], new Map(), cfg));
    expect(f.status).toBe('ok');
    expect(f.message).toBe('every server is disabled');
  });

  test('an empty server list is no_data', () => {
    const findings = evaluateServers(HUB, [], new Map(), cfg);
    expect(findings).toEqual([expect.objectContaining({ id: 'servers.down', status: 'no_data' })]);
  });

  test.each([
    { severity: 'critical' as const },
    { severity: 'warning' as const },
  ])('a dead server is reported with deadServerSeverity $severity', ({ severity }) => {
    const c = { ...defaultConfig().check, dead_server_severity: severity };
    const findings = evaluateServers(HUB, [dead('everything'), up('a'), up('b'), up('c')], new Map(), c);
    const f = findings.find((x) => x.id === 'server.status' && x.subject === 'everything')!;
    expect(f).toMatchObject({ status: severity, value: 'dead' });
  });

  test('per-server findings: up ok, disabled ok, down warning, connecting warning, unknown warning', () => {
    const findings = evaluateServers(HUB, [
      up('u'), disabled('d'), down('x'), named('c', { status: 'connecting', uptimeS: 0 }), named('q', { status: 'weird' }),
    ], new Map(), cfg);
    const bySubject = Object.fromEntries(findings.filter((f) => f.id === 'server.status').map((f) => [f.subject, [f.status, f.value]]));
    expect(bySubject).toEqual({
      u: ['ok', 'up'], d: ['ok', 'disabled'], x: ['warning', 'down'], c: ['warning', 'connecting'], q: ['warning', 'unknown'],
    });
  });

  test('the earlier sample is matched by server name', () => {
    const cur = [named('a', { uptimeS: 0, lastStartedMs: NOW - 2_000 }), named('b', { uptimeS: 0, lastStartedMs: NOW - 2_000 })];
    const earlier = new Map([['a', { server: server({ name: 'a', uptimeS: 0, lastStartedMs: NOW - 2_000 }), atMs: NOW - 1_200 }]]);
    const findings = evaluateServers(HUB, cur, earlier, cfg);
    const v = Object.fromEntries(findings.filter((f) => f.id === 'server.status').map((f) => [f.subject, f.value]));
    expect(v).toEqual({ a: 'dead', b: 'unconfirmed' });
  });

  test('a server named "__proto__" is judged like any other', () => {
    const earlier = new Map<string, ServerSample>();
    const findings = evaluateServers(HUB, [named('__proto__', { uptimeS: 3 })], earlier, cfg);
    expect(findings[0]).toMatchObject({ subject: '__proto__', value: 'up', status: 'ok' });
  });

  test('the down count never exceeds the enabled count, and all-down is always critical', () => {
    const kind = fc.constantFrom('up', 'down', 'disabled', 'dead');
    fc.assert(fc.property(fc.array(kind, { minLength: 1, maxLength: 15 }), (kinds) => {
      const make = { up, down, disabled, dead };
      const list = kinds.map((k, i) => make[k](`s${i}`));
      const f = aggregate(evaluateServers(HUB, list, new Map(), cfg));
      const enabled = kinds.filter((k) => k !== 'disabled').length;
      const downCount = kinds.filter((k) => k === 'down' || k === 'dead').length;
      expect(f.value).toBe(enabled === 0 ? 0 : downCount);
      if (enabled > 0 && downCount === enabled) expect(f.status).toBe('critical');
      if (downCount === 0) expect(f.status).toBe('ok');
    }));
  });
});
