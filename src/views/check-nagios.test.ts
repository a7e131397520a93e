import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { evaluateCheck, type CheckResult } from '../evaluate/check.js';
import type { HubSnapshot, ProcessFacts, Health, ServerInfo } from '../model/hub.js';
import { parseHealth } from '../sources/hub-models.js';
import { renderCheckNagios } from './check-nagios.js';

const HUB = 'http://127.0.0.1:37373';
const NOW = Date.parse('2026-11-24T19:24:40.000Z');
const FIRST_LINE = /^MCPHUB (OK|WARNING|CRITICAL|UNKNOWN) - [^|]* \| /;
// label=value[UOM];[warn];[crit];[min];[max] — labels quoted when they hold spaces, never holding = or '
const PERF_TOKEN = /^(?:'[^'=]+'|[^'=\s]+)=-?[0-9.]+(?:[a-zA-Z%]+)?(?:;[0-9.]*){0,4}$/;

const fixture = (rel: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/${rel}`, import.meta.url), 'utf8'));

function snapshot(health: Health, url = HUB, process?: ProcessFacts): HubSnapshot {
  return {
    target: { url, origin: 'flag' }, at: NOW, monotonicAt: 0, metrics: { sources: [] }, routes: {}, process,
    health: { ok: true, value: health, issues: [], latencyMs: 9.6 },
  };
}

function server(name: string, over: Partial<ServerInfo> = {}): ServerInfo {
  return { name, status: 'connected', error: null, uptimeS: 60, lastStartedMs: NOW - 60_000, toolCount: 1, ...over };
}

function health(servers: ServerInfo[], over: Partial<Health> = {}): Health {
  return { status: 'ok', state: 'ready', serverId: 'mcp-hub', version: '4.2.1', timestampMs: NOW, servers, ...over };
}

const check = (snaps: HubSnapshot[]): CheckResult => evaluateCheck(snaps, new Map(), defaultConfig(), NOW);

function perfdata(out: string): string[] {
  const first = out.split('\n')[0]!;
  return first.slice(first.indexOf(' | ') + 3).split(' ').filter(Boolean);
}

describe('renderCheckNagios', () => {
  test('a healthy hub gives an OK line with perfdata', () => {
    const out = renderCheckNagios(check([snapshot(health([server('a'), server('b')]), HUB, { pid: 7, alive: true, rssBytes: 100 * 1_000_000 })]));
    expect(out).toMatch(FIRST_LINE);
    expect(out).toBe('MCPHUB OK - 1 hub(s) OK, 2 server(s) up | hub_up=1;;;0;1 servers_up=2;;;0;2 servers_down=0;;;0;2 health_latency=10ms;;;0 rss=100MB;500;;0\n');
  });

  test('the ready fixture gives a WARNING line naming the down servers', () => {
    const out = renderCheckNagios(check([snapshot(parseHealth(fixture('hub/health-ready.json')).value)]));
    const first = out.split('\n')[0]!;
    expect(first).toMatch(FIRST_LINE);
    expect(first).toMatch(/^MCPHUB WARNING - /);
    expect(first).toContain('broken: disconnected: MCP error -32000: Connection closed');
    expect(perfdata(out)).toEqual(expect.arrayContaining(['hub_up=1;;;0;1', 'servers_up=2;;;0;4', 'servers_down=2;;;0;4']));
  });

  test('an unreachable hub is CRITICAL with hub_up=0 and no latency', () => {
    const out = renderCheckNagios(check([{
      target: { url: HUB, origin: 'flag' }, at: NOW, monotonicAt: 0, metrics: { sources: [] }, routes: {},
      health: { ok: false, failure: 'timeout', message: 'GET x: no complete response within 5s', latencyMs: 5000 },
    }]));
    expect(out).toMatch(FIRST_LINE);
    expect(out).toMatch(/^MCPHUB CRITICAL - hub unresponsive/);
    expect(perfdata(out)).toContain('hub_up=0;;;0;1');
    expect(out).not.toContain('health_latency');
  });

  test('no hubs at all is UNKNOWN', () => {
    expect(renderCheckNagios(check([]))).toMatch(/^MCPHUB UNKNOWN - /);
  });

  test('critical problems come before warnings in the summary', () => {
    const h = health([server('w', { status: 'connecting', uptimeS: 0 }), server('c', { uptimeS: 0, lastStartedMs: NOW - 60_000 }), server('x')]);
    const first = renderCheckNagios(check([snapshot(h)])).split('\n')[0]!;
    expect(first.indexOf('c: dead')).toBeGreaterThan(0);
    expect(first.indexOf('c: dead')).toBeLessThan(first.indexOf('w: connecting'));
  });

  test('a server name containing "|" does not break the perfdata', () => {
    const evil = 'a|b=c d\'e';
    const out = renderCheckNagios(check([snapshot(health([server(evil, { status: 'disconnected', error: 'x | y' }), server('ok')]))]));
    const first = out.split('\n')[0]!;
    expect(first).toMatch(FIRST_LINE);
    expect(first.split('|')).toHaveLength(2);
    expect(first).toContain('a/b=c d\'e: disconnected: x / y');
    for (const token of perfdata(out)) expect(token).toMatch(PERF_TOKEN);
  });

  test('problems beyond the first three go on later lines, none holding "|" or a control character', () => {
    const servers = Array.from({ length: 6 }, (_, i) => server(`s|${i}\n\x1b[31m`, { status: 'disconnected', error: `err|${i}\r` }));
    const out = renderCheckNagios(check([snapshot(health(servers))]));
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(FIRST_LINE);
    expect(lines[0]).toContain('+4 more');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines.slice(1)) {
      expect(line).not.toContain('|');
      expect(line).toMatch(/^(CRITICAL|WARNING): /);
    }
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  test('several hubs get their host as a perfdata label prefix', () => {
    const out = renderCheckNagios(check([
      snapshot(health([server('a')]), 'http://127.0.0.1:7000'),
      snapshot(health([server('b')]), 'http://10.0.0.2:7001'),
    ]));
    const perf = perfdata(out);
    expect(perf).toContain('127.0.0.1:7000_hub_up=1;;;0;1');
    expect(perf).toContain('10.0.0.2:7001_servers_up=1;;;0;1');
    for (const token of perf) expect(token).toMatch(PERF_TOKEN);
  });

  test('for any server names and errors the first line keeps the plugin format and one "|"', () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('|', '\n', '\r', '=', "'", ' ', '\x1b', ';'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 30 });
    fc.assert(fc.property(fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 6 }), (pairs) => {
      const servers = pairs.map(([name, error], i) => server(`${name}${i}`, { status: 'disconnected', error }));
      const out = renderCheckNagios(check([snapshot(health(servers))]));
      const lines = out.trimEnd().split('\n');
      expect(lines[0]).toMatch(FIRST_LINE);
      expect(lines[0]!.split('|')).toHaveLength(2);
      for (const token of perfdata(out)) expect(token).toMatch(PERF_TOKEN);
      for (const line of lines.slice(1)) expect(line).not.toContain('|');
    }), { numRuns: 200 });
  });
});
