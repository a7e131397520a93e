import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseHealth, parseServerInfo, saneNumber, saneTime } from './hub-models.js';

const fixture = (rel: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/${rel}`, import.meta.url), 'utf8'));

const byName = <T extends { name: string }>(servers: T[], name: string): T | undefined => servers.find((s) => s.name === name);

describe('parseHealth on captured hub bodies', () => {
  test('a ready mcp-hub 4.2.1 with 4 servers parses completely and without issues', () => {
    const { value, issues } = parseHealth(fixture('hub/health-ready.json'));
    expect(issues).toEqual([]);
    expect(value.status).toBe('ok');
    expect(value.state).toBe('ready');
    expect(value.serverId).toBe('mcp-hub');
    expect(value.version).toBe('4.2.1');
    expect(value.activeClients).toBe(1);
    expect(value.timestampMs).toBe(Date.parse('2026-11-24T19:24:18.301Z'));
    expect(value.servers.map((s) => s.name)).toEqual(['everything', 'filesystem', 'broken', 'missing-binary']);
    // The pid comes from workspaces.allActive[workspaces.current].
    expect(value.pid).toBe(5653);
    expect(value.port).toBe(37373);
  });

  test('servers of the ready hub carry status, uptime, lastStarted, tool count and error', () => {
    const { value } = parseHealth(fixture('hub/health-ready.json'));
    expect(byName(value.servers, 'everything')).toMatchObject({
      status: 'connected', error: null, uptimeS: 1, transportType: 'stdio', serverVersion: '2.0.0',
      lastStartedMs: Date.parse('2026-11-24T19:24:16.746Z'),
    });
    expect(byName(value.servers, 'everything')!.toolCount).toBeGreaterThan(0);
    expect(byName(value.servers, 'broken')).toMatchObject({
      status: 'disconnected', error: 'MCP error -32000: Connection closed', uptimeS: 0, lastStartedMs: null, toolCount: 0,
      serverVersion: undefined,
    });
    expect(byName(value.servers, 'missing-binary')!.error).toContain('ENOENT');
  });

  test('after kill -9 of its child the everything server is still connected with uptime 0', () => {
    const { value, issues } = parseHealth(fixture('hub/health-after-kill.json'));
    expect(issues).toEqual([]);
    expect(byName(value.servers, 'everything')).toMatchObject({
      status: 'connected', error: null, uptimeS: 0, lastStartedMs: Date.parse('2026-11-24T19:24:29.313Z'),
    });
    expect(byName(value.servers, 'filesystem')).toMatchObject({ status: 'connected', uptimeS: 3 });
  });

  test('the fork health has no version: version is undefined and nothing breaks', () => {
    let parsed: ReturnType<typeof parseHealth> | undefined;
    expect(() => { parsed = parseHealth(fixture('fork/health.json')); }).not.toThrow();
    expect(parsed!.value.version).toBeUndefined();
    expect(parsed!.value.state).toBe('ready');
    expect(parsed!.value.serverId).toBe('mcp-hub');
    expect(parsed!.value.servers).toHaveLength(4);
    expect(parsed!.value.pid).toBe(8420);
    expect(parsed!.issues).toEqual([]);
  });

  test('a starting hub with an empty server list parses to no servers', () => {
    const { value, issues } = parseHealth(fixture('hub/health-while-starting.json'));
    expect(value.state).toBe('starting');
    expect(value.servers).toEqual([]);
    expect(issues).toEqual([]);
  });
});

describe('parseHealth on hostile values', () => {
  const body = (uptimeText: string) =>
    JSON.parse(`{"state":"ready","servers":[{"name":"s","status":"connected","uptime":${uptimeText}}]}`) as unknown;

  test.each([
    ['1e400 (parsed to Infinity)', '1e400'],
    ['-1', '-1'],
    ['"abc"', '"abc"'],
    ['"5" (a string)', '"5"'],
    ['1e15', '1e15'],
    ['an object', '{"valueOf":5}'],
  ])('uptime %s becomes undefined and records an issue', (_label, text) => {
    const { value, issues } = parseHealth(body(text));
    expect(value.servers).toHaveLength(1);
    expect(value.servers[0]!.uptimeS).toBeUndefined();
    expect(issues.some((i) => i.includes('"s"') && i.includes('unusable uptime'))).toBe(true);
  });

  test('JSON.parse really turns the text 1e400 into Infinity', () => {
    expect(JSON.parse('1e400')).toBe(Infinity);
  });

  test('an absent uptime is undefined without an issue', () => {
    const { value, issues } = parseHealth({ state: 'ready', servers: [{ name: 's', status: 'connected' }] });
    expect(value.servers[0]!.uptimeS).toBeUndefined();
    expect(issues).toEqual([]);
  });

  test('a server named "__proto__" is kept as a normal server', () => {
    const raw = JSON.parse('{"state":"ready","servers":[{"name":"__proto__","status":"connected","uptime":7,"error":null}]}') as unknown;
    const { value, issues } = parseHealth(raw);
    expect(issues).toEqual([]);
    expect(value.servers).toHaveLength(1);
    expect(value.servers[0]).toMatchObject({ name: '__proto__', status: 'connected', uptimeS: 7 });
    expect(Object.getPrototypeOf(value.servers[0])).toBe(Object.prototype);
  });

  test('fields hidden behind a "__proto__" key are not read as the server\'s own', () => {
    const raw = JSON.parse('{"state":"ready","servers":[{"name":"s","__proto__":{"status":"connected","uptime":9}}]}') as unknown;
    const { value } = parseHealth(raw);
    expect(value.servers[0]!.status).toBeUndefined();
    expect(value.servers[0]!.uptimeS).toBeUndefined();
  });

  test.each([
    ['null', null],
    ['an array', [{ state: 'ready' }]],
    ['a string', 'ready'],
    ['a number', 42],
  ])('a non-object body (%s) gives an issue and no servers, without throwing', (_label, raw) => {
    const { value, issues } = parseHealth(raw);
    expect(value.servers).toEqual([]);
    expect(value.state).toBeUndefined();
    expect(issues).toEqual(['health body is not a JSON object']);
  });

  test('servers that are not objects or have no name are dropped with an issue each', () => {
    const { value, issues } = parseHealth({ state: 'ready', servers: [1, { status: 'connected' }, { name: 'ok', status: 'connected' }] });
    expect(value.servers.map((s) => s.name)).toEqual(['ok']);
    expect(issues).toEqual(['servers[0] is not an object', 'servers[1] has no name']);
  });

  test('a servers field that is not a list is an issue', () => {
    const { value, issues } = parseHealth({ state: 'ready', servers: { a: 1 } });
    expect(value.servers).toEqual([]);
    expect(issues).toContain('health.servers is not a list');
  });

  test('a missing state is an issue', () => {
    expect(parseHealth({ servers: [] }).issues).toContain('health has no state');
  });

  test('an object error is kept as short JSON text', () => {
    const issues: string[] = [];
    const s = parseServerInfo({ name: 'x', error: { code: -32000, text: 'y'.repeat(1000) } }, issues, 0);
    expect(s!.error).toMatch(/^\{"code":-32000/);
    expect(s!.error!.length).toBeLessThanOrEqual(500);
  });

  test('the pid is read from allActive[current], not from another workspace', () => {
    const { value } = parseHealth({
      state: 'ready',
      workspaces: { current: '7001', allActive: { 7000: { pid: 111, port: 7000 }, 7001: { pid: 222, port: 7001 } } },
    });
    expect(value.pid).toBe(222);
    expect(value.port).toBe(7001);
  });

  test.each([
    ['negative', -5],
    ['zero', 0],
    ['fractional', 12.5],
    ['a string', '123'],
  ])('a %s pid is ignored', (_label, pid) => {
    const { value } = parseHealth({ state: 'ready', workspaces: { current: 7000, allActive: { 7000: { pid, port: 7000 } } } });
    expect(value.pid).toBeUndefined();
  });

  test('an implausible timestamp is dropped', () => {
    expect(parseHealth({ state: 'ready', timestamp: '1970-01-01T00:00:00Z' }).value.timestampMs).toBeUndefined();
    expect(parseHealth({ state: 'ready', timestamp: 'yesterday' }).value.timestampMs).toBeUndefined();
  });

  test('parseHealth never throws and always yields a server list, whatever the JSON', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), (raw) => {
      const { value, issues } = parseHealth(raw);
      expect(Array.isArray(value.servers)).toBe(true);
      expect(Array.isArray(issues)).toBe(true);
      for (const s of value.servers) if (s.uptimeS !== undefined) expect(Number.isFinite(s.uptimeS)).toBe(true);
    }));
  });
});

describe('saneNumber and saneTime', () => {
  test.each([
    [0, 0],
    [5, 5],
    [1.5, 1.5],
    [-1, undefined],
    [Infinity, undefined],
    [NaN, undefined],
    [1e15, undefined],
    ['5', undefined],
    [null, undefined],
  ])('saneNumber(%s) is %s', (v, expected) => {
    expect(saneNumber(v)).toBe(expected);
  });

  test.each([
    ['2026-11-24T19:24:18.301Z', Date.parse('2026-11-24T19:24:18.301Z')],
    ['1999-12-31T23:59:59Z', undefined],
    ['2300-01-01T00:00:00Z', undefined],
    ['not a date', undefined],
    [`2026-11-24T19:24:18.301Z${' '.repeat(64)}`, undefined],
    [1_700_000_000_000, undefined],
  ])('saneTime(%j) is %s', (v, expected) => {
    expect(saneTime(v)).toBe(expected);
  });
});
