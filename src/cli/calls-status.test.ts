import { expect, test } from 'vitest';
import type { CallsWindowDoc } from '../model/calls-window.js';
import { callsWindowFindings } from '../evaluate/calls.js';
import { tapStatus } from './calls-status.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const HUB = 'http://127.0.0.1:7000';
const doc = (over: Partial<CallsWindowDoc['tap']> = {}, at = NOW - 2_000): CallsWindowDoc => ({
  at, windowMs: 300_000, calls: 23, errors: 20,
  tap: { connected: 1, everConnected: true, dropped: 0, badLines: 0, ...over },
  findings: [{ id: 'calls.error_rate', status: 'critical', hub: HUB, subject: 'crashy', tool: 'echo', message: 'success 13.0% over 23 calls in 5m' }],
  worst: [{ hub: HUB, server: 'crashy\u001b[2J', tool: 'echo\u202e', calls: 23, errors: 20, successPercent: 13, p95Ms: 3, topError: '500 ×20: "Not connected\u0007"' }],
});

test('status: a connected tap, its window and worst tools, hostile strings made safe', () => {
  const r = tapStatus(doc(), true, NOW);
  expect(r.problems).toEqual([]);
  expect(r.lines.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/u); // controls and bidi gone, newlines between lines only
  expect(r.lines[2]).toMatch(/^ {4}crashy.*\/echo.* {2}23 calls, 13% ok, P95 3 ms, 500 ×20: "Not connected.*"$/);
  expect(r.lines[0]).toBe('tap: connected (1), 23 calls in the last 5m, 20 failed, 0 records dropped by the taps, 0 unreadable lines');
});

test('status: loud when a tap connected and is gone, when taps drop records, when the daemon cannot take taps', () => {
  const r = tapStatus(doc({ connected: 0, lastGoneAt: NOW - 90_000, dropped: 12, problem: 'the state dir is too deep for the tap\'s socket' }), true, NOW);
  expect(r.problems).toEqual([
    'CANNOT TAKE TAPS: the state dir is too deep for the tap\'s socket',
    'TAP GONE: a tap was connected and left 1m30s ago; calls through the hub are not seen',
    'TAP DROPPING: the taps dropped 12 call records (their buffer filled while the daemon was away)',
  ]);
  expect(tapStatus(undefined, true, NOW).lines).toEqual(['tap: none has connected (calls through the hub are not seen; see `mcp-hub-monitor tap`)']);
});

const otel = (failing: boolean): NonNullable<CallsWindowDoc['tap']['otel']> => [{
  listen: '127.0.0.1:7001',
  traces: { url: 'http://collector:4318/v1/traces', exported: 40, failed: failing ? 12 : 0, failedExports: failing ? 3 : 0, failing, ...(failing ? { lastError: 'OTLP export failed: Unauthorized\u001b[2J', lastErrorAt: NOW - 4_000 } : {}) },
  metrics: { url: 'http://collector:4318/v1/metrics', exported: 8, failed: 0, failedExports: 0, failing: false },
}];

test('status: each tap\'s OpenTelemetry export, and loudly one that fails (what is lost and why)', () => {
  const fine = tapStatus(doc({ otel: otel(false) }), true, NOW);
  expect(fine.problems).toEqual([]);
  expect(fine.lines[1]).toBe('tap: OpenTelemetry export of 127.0.0.1:7001: traces to http://collector:4318/v1/traces 40 spans sent, 0 lost; metrics to http://collector:4318/v1/metrics 8 sent, 0 lost');
  const failing = tapStatus(doc({ otel: otel(true) }), true, NOW);
  expect(failing.problems).toEqual(['OTEL EXPORT FAILING: the tap on 127.0.0.1:7001 cannot export traces to http://collector:4318/v1/traces: 3 exports failed, 12 spans lost; last error 4 s ago: OTLP export failed: Unauthorized\u001b[2J']);
  expect(failing.lines.join('\n')).toContain('tap: OTEL EXPORT FAILING: the tap on 127.0.0.1:7001 cannot export traces');
  expect(failing.lines.join('\n')).not.toContain('\u001b');
});

test('check: a tap whose OpenTelemetry export fails is a calls.tap warning; a working one is nothing', () => {
  expect(callsWindowFindings(HUB, doc({ otel: otel(false) }), NOW).map((f) => f.id)).toEqual(['calls.error_rate']);
  const f = callsWindowFindings(HUB, doc({ otel: otel(true) }), NOW).find((x) => x.id === 'calls.tap');
  expect(f).toMatchObject({ status: 'warning', message: expect.stringMatching(/^the tap on 127\.0\.0\.1:7001 cannot export traces to http:\/\/collector:4318\/v1\/traces: 3 exports failed, 12 spans lost/) });
});

test('status: loud when taps send calls for a hub the daemon does not watch; quiet once none came within the window', () => {
  const r = tapStatus(doc({ unwatched: { calls: 7, hubs: [{ hub: 'http://localhost:7000\u001b[2J', calls: 7 }] } }), true, NOW);
  expect(r.problems).toEqual([
    'UNWATCHED HUB: taps send calls for hubs this daemon does not watch, not judged: http://localhost:7000\u001b[2J (7 calls since the daemon started); give the tap --hub as the daemon names the hub (hubs: above)',
  ]);
  expect(r.lines[1]).toBe('tap: UNWATCHED HUB: taps send calls for hubs this daemon does not watch, not judged: http://localhost:7000\\x1b[2J (7 calls since the daemon started); give the tap --hub as the daemon names the hub (hubs: above)');
  expect(tapStatus(doc({ unwatched: { calls: 7, hubs: [] } }), true, NOW).problems).toEqual([]);
});

test('check: the window\'s calls.* findings while fresh (a tool as server/tool); a stale window is no data, a gone tap a warning', () => {
  expect(callsWindowFindings(HUB, doc(), NOW).map((f) => [f.id, f.status, f.subject])).toEqual([['calls.error_rate', 'critical', 'crashy/echo']]);
  expect(callsWindowFindings('http://other:7000', doc(), NOW)).toEqual([]);
  expect(callsWindowFindings(HUB, doc({}, NOW - 60_000), NOW).map((f) => [f.id, f.status])).toEqual([['calls.tap', 'no_data']]);
  expect(callsWindowFindings(HUB, doc({ connected: 0 }), NOW).map((f) => [f.id, f.status])).toEqual([['calls.tap', 'warning'], ['calls.error_rate', 'critical']]);
  expect(callsWindowFindings(HUB, undefined, NOW)).toEqual([]);
});
