import { expect, test } from 'vitest';
import type { OtelExportHealth } from '../../otel/status.js';
import { otelHealthResults } from './otel-health.js';

const counts = (failing: boolean) => ({ url: 'http://collector:4318/v1/traces', exported: 5, failed: failing ? 7 : 0, failedExports: failing ? 2 : 0, failing, ...(failing ? { lastError: 'Unauthorized', lastErrorAt: 1_000 } : {}) });
const daemon = (failing: boolean): OtelExportHealth => ({ enabled: true, status: { traces: counts(failing), metrics: { ...counts(false), url: 'http://collector:4318/v1/metrics' } } });

test('monitor.otel: one result per exporter, warning while its last export failed, naming it and the answer', () => {
  const tap = { listen: '127.0.0.1:7001', traces: counts(true), metrics: { ...counts(false), url: 'http://collector:4318/v1/metrics' } };
  const r = otelHealthResults(daemon(false), [tap], 4_000);
  expect(r).toEqual([
    { rule: 'monitor.otel', labels: { hub: '', exporter: 'the daemon' }, status: 'ok', summary: "the daemon's OpenTelemetry export works" },
    { rule: 'monitor.otel', labels: { hub: '', exporter: 'the tap on 127.0.0.1:7001' }, status: 'warning',
      summary: 'the tap on 127.0.0.1:7001 cannot export traces to http://collector:4318/v1/traces: 2 exports failed, 7 spans lost; last error 3 s ago: Unauthorized' },
  ]);
  expect(otelHealthResults(daemon(true), [], 4_000)[0]).toMatchObject({ status: 'warning', summary: expect.stringMatching(/^the daemon cannot export traces/) });
});

test('an export that never started is a warning; export off says nothing', () => {
  expect(otelHealthResults({ enabled: true, startError: 'bad endpoint' }, [], 0)[0]).toMatchObject({ status: 'warning', summary: expect.stringContaining('could not start (bad endpoint)') });
  expect(otelHealthResults({ enabled: false }, [], 0)).toEqual([]);
  expect(otelHealthResults(undefined, [], 0)).toEqual([]);
});
