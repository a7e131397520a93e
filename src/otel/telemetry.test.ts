import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../../test/support/otlp-receiver.js';
import { exportUrl, otelEnabled } from './status.js';
import { MCP_DURATION_BUCKETS_S, MCP_SERVER_DURATION, mcpSpanName } from './mcp-conventions.js';
import { startTelemetry, type OtelSettings, type Telemetry } from './telemetry.js';

const settings = (endpoint: string, extra: Partial<OtelSettings> = {}): OtelSettings => ({
  endpoint, headers: {}, service_name: '', metrics_interval: 200, timeout: 2_000, ...extra,
});

describe('OTLP export (decoded with the official protobuf definitions)', () => {
  const open: (OtlpReceiver | Telemetry)[] = [];
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await ('shutdown' in x ? x.shutdown() : x.stop());
  });

  async function setUp(extra: Partial<OtelSettings> = {}, env: NodeJS.ProcessEnv = {}, spanQueueSize?: number): Promise<{ rx: OtlpReceiver; t: Telemetry; logs: string[] }> {
    const rx = await new OtlpReceiver().start();
    open.push(rx);
    const logs: string[] = [];
    const t = await startTelemetry({ settings: settings(rx.url, extra), defaultServiceName: 'mcp-hub-monitor-test', serviceVersion: '0.0.0', log: (l) => logs.push(l), env, spanDelayMs: 50, ...(spanQueueSize !== undefined ? { spanQueueSize } : {}) });
    open.push(t);
    return { rx, t, logs };
  }

  it('sends a span that continues a W3C traceparent, with the resource and status the receiver decodes', async () => {
    const { rx, t } = await setUp({ service_name: 'tap-under-test' });
    const parent = t.extract({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const span = t.tracer.startSpan(mcpSpanName('tools/call', 'echo'), { kind: SpanKind.SERVER, attributes: { 'mcp.method.name': 'tools/call' } }, parent);
    const carrier: Record<string, unknown> = {};
    t.inject(trace.setSpan(parent, span), carrier);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'Not connected' });
    span.end();

    const got = await rx.waitFor(() => rx.spans.find((s) => s.name === 'tools/call echo'));
    expect(got.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(got.parentSpanId).toBe('00f067aa0ba902b7');
    expect(got.kind).toBe('SPAN_KIND_SERVER');
    expect(got.status).toEqual({ code: 'STATUS_CODE_ERROR', message: 'Not connected' });
    expect(got.attributes['mcp.method.name']).toBe('tools/call');
    expect(got.resource['service.name']).toBe('tap-under-test');
    // What the forwarded _meta would carry: the same trace, this span as the parent.
    expect(carrier.traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${got.spanId}-01`);
    await rx.waitFor(() => t.status().traces.exported === 1 || undefined, 5_000, 'the export counted');
    expect(t.status().traces.failed).toBe(0);
  });

  it('exports a histogram with the advised buckets, in seconds', async () => {
    const { rx, t } = await setUp();
    const h = t.meter.createHistogram(MCP_SERVER_DURATION, { unit: 's', advice: { explicitBucketBoundaries: [...MCP_DURATION_BUCKETS_S] } });
    h.record(0.03, { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo' });
    h.record(3, { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo' });
    const m = await rx.waitFor(() => rx.metrics.find((x) => x.name === MCP_SERVER_DURATION && x.histogram?.[0]?.count === 2));
    expect(m.unit).toBe('s');
    const p = m.histogram![0]!;
    expect(p.explicitBounds).toEqual([...MCP_DURATION_BUCKETS_S]);
    expect(p.sum).toBeCloseTo(3.03);
    expect(p.bucketCounts[2]).toBe(1); // (0.02, 0.05]
    expect(p.bucketCounts[8]).toBe(1); // (2, 5]
    expect(p.attributes).toEqual({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo' });
  });

  it('counts, logs and recovers from a refusing backend, without a secret header in what it says', async () => {
    const { rx, t, logs } = await setUp({ headers: { 'x-api-key': 'sekret-api-key-1234' } });
    rx.fail(50);
    t.tracer.startSpan('lost').end();
    await rx.waitFor(() => t.status().traces.failed > 0 || undefined, 20_000, 'a failed export');
    expect(t.status().traces.lastError).toBeTruthy();
    expect(t.status().traces.failing).toBe(true);
    expect(logs.join('\n')).toMatch(/otel: traces export to http:\/\/127\.0\.0\.1:\d+\/v1\/traces failed/);
    rx.fail(0);
    t.tracer.startSpan('kept').end();
    await rx.waitFor(() => rx.spans.find((s) => s.name === 'kept'));
    await rx.waitFor(() => logs.some((l) => /works again/.test(l)) || undefined, 5_000, 'the recovery line');
    expect(t.status().traces.failing).toBe(false);
    expect(rx.requests.every((r) => r.headers['x-api-key'] === 'sekret-api-key-1234')).toBe(true);
    expect(JSON.stringify([logs, t.status()])).not.toContain('sekret-api-key-1234');
  });

  it('counts spans the full queue dropped as lost, and says why (the SDK only tells its diagnostic logger)', async () => {
    const { rx, t, logs } = await setUp({}, {}, 2);
    for (let i = 0; i < 10; i++) t.tracer.startSpan(`burst-${i}`).end();
    await rx.waitFor(() => rx.spans.length > 0 || undefined, 5_000, 'the first batch');
    // The processor reports its drops only when a later span gets into the queue: end one at a time until it has.
    let created = 10;
    await rx.waitFor(() => {
      if (t.status().traces.failed > 0) return true;
      t.tracer.startSpan(`after-${created++}`).end();
      return undefined;
    }, 10_000, 'the drops to be reported');
    await rx.waitFor(() => { const c = t.status().traces; return c.exported + c.failed === created || undefined; }, 10_000, 'every span sent or counted lost');
    const c = t.status().traces;
    expect(c.failed).toBeGreaterThan(0);
    expect(rx.spans.length).toBe(c.exported);
    expect(c.lastError).toMatch(/span queue was full \(\d+ spans dropped\)/);
    expect(logs.join('\n')).toMatch(/otel: \d+ spans dropped before export/);
  });

  it('samples new traces by ratio but follows a sampled parent', async () => {
    const { rx, t } = await setUp({ sampling: 0 });
    t.tracer.startSpan('root-not-sampled').end();
    const parent = t.extract({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    t.tracer.startSpan('child-of-sampled', {}, parent).end();
    await rx.waitFor(() => rx.spans.find((s) => s.name === 'child-of-sampled'));
    expect(rx.spans.map((s) => s.name)).not.toContain('root-not-sampled');
  });
});

describe('where the export goes', () => {
  it('prefers the config, then the signal variable, then the general one, and never shows userinfo or query', () => {
    expect(exportUrl('http://c:4318', 'traces', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://e:1' })).toBe('http://c:4318/v1/traces');
    expect(exportUrl('', 'traces', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:2/x', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://e:1' })).toBe('http://t:2/x');
    expect(exportUrl('', 'metrics', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://u:p@e:1/' })).toBe('http://e:1/v1/metrics');
    expect(exportUrl('', 'metrics', {})).toBe('http://localhost:4318/v1/metrics');
  });
  it('is off unless enabled, and OTEL_SDK_DISABLED=true turns it off', () => {
    expect(otelEnabled(false, {})).toBe(false);
    expect(otelEnabled(true, {})).toBe(true);
    expect(otelEnabled(true, { OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
  });
});
