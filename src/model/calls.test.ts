import { describe, expect, test } from 'vitest';
import { parseTapLine, tapLine, type CallRecord, type TapOtelStatus } from './calls.js';

const call: CallRecord = {
  hub: 'http://127.0.0.1:7000', server: 'files', tool: 'read', method: 'tools/call', transport: 'sse',
  client: 'claude', session: 's1', requestId: '7', start: 1_700_000_000_000, durationMs: 12.5,
  outcome: 'jsonrpc_error', errorCode: -32603, errorType: '-32603', errorMessage: 'Not connected', requestBytes: 120, responseBytes: 80,
};

describe('the tap → daemon line', () => {
  test('a call and a status read back as written', () => {
    expect(parseTapLine(tapLine({ v: 1, kind: 'call', call }).trimEnd())).toEqual({ ok: true, message: { v: 1, kind: 'call', call } });
    const status = { listen: '127.0.0.1:7001', hub: call.hub, pid: 42, startedAt: 1, dropped: 0, buffered: 3 };
    expect(parseTapLine(tapLine({ v: 1, kind: 'status', status }))).toEqual({ ok: true, message: { v: 1, kind: 'status', status } });
  });

  test('a status with the tap\'s OpenTelemetry export reads back as written; one without it (an older tap) still reads', () => {
    const otel: TapOtelStatus = {
      traces: { url: 'http://127.0.0.1:4318/v1/traces', exported: 10, failed: 3, failedExports: 1, failing: true, lastError: 'Unauthorized', lastErrorAt: 5 },
      metrics: { url: 'http://127.0.0.1:4318/v1/metrics', exported: 4, failed: 0, failedExports: 0, failing: false },
    };
    const status = { listen: '127.0.0.1:7001', hub: call.hub, pid: 42, startedAt: 1, dropped: 0, buffered: 3, otel };
    expect(parseTapLine(tapLine({ v: 1, kind: 'status', status }))).toEqual({ ok: true, message: { v: 1, kind: 'status', status } });
    const old = '{"v":1,"kind":"status","status":{"listen":"127.0.0.1:7001","hub":"h","pid":1,"startedAt":1,"dropped":0,"buffered":0}}';
    expect(parseTapLine(old).ok).toBe(true);
    const bad = (o: unknown) => parseTapLine(JSON.stringify({ v: 1, kind: 'status', status: { ...status, otel: o } }));
    for (const o of [5, { traces: otel.traces }, { ...otel, metrics: { ...otel.metrics, failing: 'no' } }, { ...otel, traces: { ...otel.traces, lastError: 7 } }]) {
      expect(bad(o)).toEqual({ ok: false, why: 'a status whose otel is not the traces and metrics export counts' });
    }
  });

  test.each([
    ['{', 'not JSON'],
    ['[]', 'not an object'],
    [JSON.stringify({ v: 2, kind: 'call', call }), 'wire version 2, expected 1'],
    [JSON.stringify({ v: 1, kind: 'gossip' }), 'unknown kind "gossip"'],
    [JSON.stringify({ v: 1, kind: 'call', call: { ...call, outcome: 'meh' } }), 'a call with an unknown outcome'],
    [JSON.stringify({ v: 1, kind: 'call', call: { ...call, durationMs: -1 } }), 'a call whose start, durationMs or sizes are not non-negative numbers'],
    [JSON.stringify({ v: 1, kind: 'call', call: { ...call, server: 5 } }), 'a call whose server, tool, client, session or requestId is not a string or null'],
    [JSON.stringify({ v: 1, kind: 'call', call: { ...call, errorMessage: 'x'.repeat(201) } }), 'a call whose errorMessage is not a string of at most 200 characters'],
    [JSON.stringify({ v: 1, kind: 'status', status: { hub: 'h' } }), 'a status without hub, listen, pid, startedAt, dropped and buffered'],
  ])('%s is refused: %s', (line, why) => {
    expect(parseTapLine(line)).toEqual({ ok: false, why });
  });
});
