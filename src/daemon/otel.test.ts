/**
 * The daemon's export holder with the real SDK: off it traces nothing; a config change restarts it and the
 * counts carry on; the stop is bounded even when the backend never answers, and the last note keeps the counts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { OtlpReceiver } from '../../test/support/otlp-receiver.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { systemClock } from '../model/clock.js';
import type { MonitorConfig } from '../config/defaults.js';
import { DaemonTelemetry } from './otel.js';
import { readOtelExportNote } from './otel-export-status.js';

const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

const otel = (endpoint: string, enabled = true): MonitorConfig['otel'] => ({ enabled, endpoint, headers: {}, service_name: '', metrics_interval: 60_000, timeout: 10_000 });

function holder(lines: string[] = []): { t: DaemonTelemetry; stateDir: string } {
  const stateDir = tempDir('mhm-otel-');
  const log = { info: (_o: object, m?: string) => lines.push(m ?? ''), warn: (_o: object, m?: string) => lines.push(m ?? ''), error: (_o: object, m?: string) => lines.push(m ?? '') };
  const t = new DaemonTelemetry({ stateDir, log, clock: systemClock, serviceVersion: '0.0.0', env: {}, spanDelayMs: 20, noteEveryMs: 50 });
  open.push({ close: () => t.stop() });
  return { t, stateDir };
}

const request = { method: 'resources/read', server: 's', tool: null, hub: 'http://127.0.0.1:7000', transport: 'rest' } as const;

describe('the daemon\'s export', () => {
  test('off, it traces nothing and says so beside the store', async () => {
    const { t, stateDir } = holder();
    await t.apply(otel('', false));
    expect(t.tracing.startClient(request)).toBeUndefined();
    expect(readOtelExportNote(stateDir)).toMatchObject({ enabled: false, pid: process.pid });
    expect(t.health()).toEqual({ enabled: false });
  });

  test('a reload that changes otel: restarts it at the new endpoint, the counts carry on; the same config changes nothing', async () => {
    const a = await new OtlpReceiver().start();
    const b = await new OtlpReceiver().start();
    open.push({ close: () => a.stop() }, { close: () => b.stop() });
    const lines: string[] = [];
    const { t, stateDir } = holder(lines);
    await t.apply(otel(a.url));
    t.tracing.startClient(request)!.end({ outcome: 'ok' });
    await a.waitFor(() => t.health().status?.traces.exported === 1 || undefined, 5_000, 'the first span counted');
    await t.apply(otel(a.url));
    expect(lines.filter((l) => l.startsWith('otel:'))).toHaveLength(1); // started once, not restarted
    await t.apply(otel(b.url));
    t.tracing.startClient(request)!.end({ outcome: 'ok' });
    await b.waitFor(() => b.spans.length === 1 || undefined);
    await b.waitFor(() => t.health().status?.traces.exported === 2 || undefined, 5_000, 'both spans counted');
    expect(t.health().status?.traces.url).toBe(`${b.url}/v1/traces`);
    expect(lines.some((l) => l.startsWith('otel: export restarted with the reloaded config'))).toBe(true);
    await b.waitFor(() => readOtelExportNote(stateDir)?.status?.traces.exported === 2 || undefined, 5_000, 'the note to follow');
  });

  test('the stop is bounded when the backend never answers, and the last note keeps what was lost', async () => {
    const silent = http.createServer(() => { /* never answers */ });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    open.push({ close: () => new Promise((r) => { silent.closeAllConnections(); silent.close(r); }) });
    const { t, stateDir } = holder();
    await t.apply(otel(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`));
    t.tracing.startClient(request)!.end({ outcome: 'ok' });
    const started = performance.now();
    await t.stop();
    expect(performance.now() - started).toBeLessThan(1_800); // the daemon's whole stop has 2 s
    expect(readOtelExportNote(stateDir)).toMatchObject({ enabled: true, status: { traces: { exported: 0 } } });
  });
});
