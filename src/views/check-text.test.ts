import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { evaluateCheck, type CheckResult } from '../evaluate/check.js';
import type { HubSnapshot, Health, ServerInfo } from '../model/hub.js';
import { parseHealth } from '../sources/hub-models.js';
import { renderCheckText } from './check-text.js';

const HUB = 'http://127.0.0.1:37373';
const NOW = Date.parse('2026-11-24T19:24:40.000Z');
const EVIL = '\x1b]0;pwned\x07';
const SGR = /\x1b\[[0-9;]*m/g;

const fixture = (rel: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/${rel}`, import.meta.url), 'utf8'));

function snapshot(health: Health, url = HUB): HubSnapshot {
  return {
    target: { url, origin: 'flag' }, at: NOW, monotonicAt: 0, metrics: { sources: [] }, routes: {},
    health: { ok: true, value: health, issues: [], latencyMs: 9 },
  };
}

function server(name: string, over: Partial<ServerInfo> = {}): ServerInfo {
  return { name, status: 'connected', error: null, uptimeS: 60, lastStartedMs: NOW - 60_000, toolCount: 1, ...over };
}

function hostileResult(): CheckResult {
  const health: Health = {
    status: 'ok', state: 'ready', serverId: 'mcp-hub', version: `4.2.1${EVIL}`, timestampMs: NOW,
    servers: [
      server(EVIL, { status: 'disconnected', error: `boom\x1b[2J\x1b]52;c;ZXZpbA==\x07\u009b31m\r\nCRITICAL fake`, uptimeS: 0 }),
      server(`ok${EVIL}`),
      server('bidi\u202Eexe.txt', { status: 'connected', uptimeS: 0, lastStartedMs: NOW - 60_000 }),
    ],
  };
  return evaluateCheck([snapshot(health)], new Map(), defaultConfig(), NOW);
}

describe('renderCheckText safety', () => {
  test('without colour the output holds no ESC at all, even with hostile server names and errors', () => {
    const out = renderCheckText(hostileResult(), { color: false });
    expect(out).not.toContain('\x1b');
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/); // only \n survives, as the line separator
    expect(out).not.toContain('\u202e');
    expect(out).toContain('\\x1b]0;pwned\\x07');
    expect(out).toContain('<U+202E>');
  });

  test('the hostile error cannot forge a line of its own', () => {
    const out = renderCheckText(hostileResult(), { color: false });
    expect(out.split('\n').some((l) => l.startsWith('CRITICAL fake'))).toBe(false);
  });

  test('with colour the only escape sequences are SGR colour codes', () => {
    const out = renderCheckText(hostileResult(), { color: true });
    expect(out.match(SGR)?.length ?? 0).toBeGreaterThan(0);
    expect(out.replace(SGR, '')).not.toContain('\x1b');
    expect(out).not.toMatch(/[\u0080-\u009f]/);
  });

  test('for any server name and error, only SGR escapes reach the terminal', () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('\x1b', '[', ']', '\x07', '\u009b', '\r', '\n', '|', 'm', '0', ';'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 40 });
    fc.assert(fc.property(text, text, (name, error) => {
      const health: Health = {
        status: 'ok', state: 'ready', serverId: 'mcp-hub', version: name, timestampMs: NOW,
        servers: [server(name, { status: 'disconnected', error }), server(`${name}2`)],
      };
      const result = evaluateCheck([snapshot(health)], new Map(), defaultConfig(), NOW);
      const plain = renderCheckText(result, { color: false });
      expect(plain).not.toContain('\x1b');
      expect(renderCheckText(result, { color: true }).replace(SGR, '')).not.toContain('\x1b');
    }), { numRuns: 200 });
  });
});

describe('renderCheckText content', () => {
  const ready = () => {
    const parsed = parseHealth(fixture('hub/health-ready.json'));
    return evaluateCheck([snapshot(parsed.value)], new Map(), defaultConfig(), NOW);
  };

  test('the first line gives status, level, hub count and time', () => {
    const out = renderCheckText(ready(), { color: false });
    expect(out.split('\n')[0]).toBe('WARNING  level orange  1 hub  2026-11-24T19:24:40.000Z');
  });

  test('the hub line summarises state, version, pid and servers', () => {
    const out = renderCheckText(ready(), { color: false });
    expect(out).toContain(`${HUB}  state ready  mcp-hub 4.2.1  pid 5653  servers 2/4 up, 2 down  [orange]`);
  });

  test('problems are listed before ok rows, with the server and its error', () => {
    const lines = renderCheckText(ready(), { color: false }).split('\n');
    const firstOk = lines.findIndex((l) => l.startsWith('  OK'));
    const lastWarning = lines.map((l) => l.startsWith('  WARNING')).lastIndexOf(true);
    expect(lastWarning).toBeGreaterThan(0);
    expect(lastWarning).toBeLessThan(firstOk);
    expect(lines.some((l) => l.includes('missing-binary') && l.includes('spawn /nonexistent/bin/mcp-server-missing ENOENT'))).toBe(true);
  });

  test('LLM checks a hub does not expose are folded into one line', () => {
    const out = renderCheckText(ready(), { color: false });
    const notExposed = out.split('\n').filter((l) => l.includes('not exposed by this hub'));
    expect(notExposed).toHaveLength(1);
    expect(notExposed[0]).toContain('success_rate, p95_latency, cache_hit_rate, queue_depth, circuit_breaker');
  });

  test('an unreachable hub is shown as unreachable', () => {
    const result = evaluateCheck([{
      target: { url: HUB, origin: 'flag' }, at: NOW, monotonicAt: 0, metrics: { sources: [] }, routes: {},
      health: { ok: false, failure: 'refused', message: 'GET x: connection refused', latencyMs: 1 },
    }], new Map(), defaultConfig(), NOW);
    const out = renderCheckText(result, { color: false });
    expect(out).toContain(`${HUB}  unreachable (refused)  [red]`);
    expect(out).toMatch(/CRITICAL {2}hub\.reachable/);
  });

  test('a given width cuts every line to fit, with or without colour', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.boolean(), (width, color) => {
      const out = renderCheckText(ready(), { color, width });
      for (const line of out.replace(SGR, '').split('\n')) expect(line.length).toBeLessThanOrEqual(Math.max(40, width));
    }), { numRuns: 60 });
  });

  test('without a width nothing is cut', () => {
    const out = renderCheckText(ready(), { color: false });
    expect(out).not.toContain('…');
    expect(out).toContain('disconnected: spawn /nonexistent/bin/mcp-server-missing ENOENT');
  });
});
