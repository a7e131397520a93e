/**
 * An OTLP/HTTP receiver for tests, on 127.0.0.1: it accepts `POST /v1/traces` and `POST /v1/metrics` in
 * protobuf and decodes them with the official OTLP definitions (test/fixtures/otlp-proto, through
 * protobufjs), not with the exporter library that encoded them: a span the SDK wrote wrongly fails here.
 * `fail(n)` refuses the next n exports, to test what the monitor says when its backend refuses.
 */
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const PROTO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'otlp-proto');

export type AnyValue = string | number | boolean | null | AnyValue[] | { [k: string]: AnyValue };

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** SPAN_KIND_SERVER, SPAN_KIND_CLIENT, … */
  kind: string;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AnyValue>;
  /** STATUS_CODE_UNSET, STATUS_CODE_OK, STATUS_CODE_ERROR, and its message. */
  status: { code: string; message: string };
  resource: Record<string, AnyValue>;
  scope: string;
}

export interface ReceivedHistogramPoint {
  attributes: Record<string, AnyValue>;
  count: number;
  sum: number;
  bucketCounts: number[];
  explicitBounds: number[];
}

export interface ReceivedMetric {
  name: string;
  unit: string;
  description: string;
  resource: Record<string, AnyValue>;
  /** Set for a histogram metric. */
  histogram?: ReceivedHistogramPoint[];
}

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  bytes: number;
}

let loaded: Promise<{ traces: protobuf.Type; metrics: protobuf.Type }> | undefined;

function loadTypes(): Promise<{ traces: protobuf.Type; metrics: protobuf.Type }> {
  loaded ??= (async () => {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(PROTO_ROOT, target);
    await root.load(['opentelemetry/proto/collector/trace/v1/trace_service.proto', 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto'], { keepCase: false });
    return {
      traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
      metrics: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
    };
  })();
  return loaded;
}

type Obj = Record<string, unknown>;
const hex = (b: unknown): string => (b instanceof Uint8Array ? Buffer.from(b).toString('hex') : '');

function anyValue(v: unknown): AnyValue {
  const o = (v ?? {}) as Obj;
  if (o.stringValue !== undefined) return o.stringValue as string;
  if (o.boolValue !== undefined) return o.boolValue as boolean;
  if (o.intValue !== undefined) return Number(o.intValue);
  if (o.doubleValue !== undefined) return o.doubleValue as number;
  if (o.arrayValue !== undefined) return (((o.arrayValue as Obj).values ?? []) as unknown[]).map(anyValue);
  if (o.kvlistValue !== undefined) return attributes((o.kvlistValue as Obj).values);
  return null;
}

function attributes(list: unknown): Record<string, AnyValue> {
  const out: Record<string, AnyValue> = {};
  for (const kv of (list ?? []) as Obj[]) out[kv.key as string] = anyValue(kv.value);
  return out;
}

const long = (v: unknown): bigint => BigInt(String(v ?? 0));

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly metrics: ReceivedMetric[] = [];
  readonly requests: ReceivedRequest[] = [];
  private failNext = 0;
  private failStatus = 401;
  private server: http.Server | undefined;
  private waiters: (() => void)[] = [];

  /** Base URL (`http://127.0.0.1:PORT`), for `otel.endpoint`. */
  url = '';

  async start(): Promise<this> {
    const types = await loadTypes();
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.requests.push({ path: req.url ?? '', headers: req.headers, bytes: body.length });
        if (this.failNext > 0) {
          this.failNext -= 1;
          res.writeHead(this.failStatus, { 'content-type': 'text/plain' }).end('receiver told to refuse');
          return;
        }
        try {
          if (req.url === '/v1/traces') this.traces(types.traces.toObject(types.traces.decode(body), { longs: String, bytes: Uint8Array, enums: String }));
          else if (req.url === '/v1/metrics') this.metricsOf(types.metrics.toObject(types.metrics.decode(body), { longs: String, bytes: Uint8Array, enums: String }));
          else return void res.writeHead(404).end();
        } catch (err) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`undecodable: ${(err as Error).message}`);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        for (const w of this.waiters.splice(0)) w();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  /**
   * Answers the next `n` exports `status` (401 by default: a wrong API key, which exporters do not retry;
   * a 503 is retried with back-off for many seconds).
   */
  fail(n: number, status = 401): void {
    this.failNext = n;
    this.failStatus = status;
  }

  /** Resolves once `pred` holds over what was received, or rejects after `timeoutMs`. */
  async waitFor<T>(pred: () => T | undefined | false, timeoutMs = 15_000, what = 'an OTLP export'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`OtlpReceiver: timed out after ${timeoutMs} ms waiting for ${what} (got ${this.spans.length} spans, ${this.metrics.length} metrics: ${this.spans.map((s) => s.name).slice(-10).join(', ')})`);
      await new Promise<void>((resolve) => {
        // Woken by an export, or every 50 ms for what follows one (the exporter's own bookkeeping).
        const t = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private traces(req: Obj): void {
    for (const rs of (req.resourceSpans ?? []) as Obj[]) {
      const resource = attributes((rs.resource as Obj | undefined)?.attributes);
      for (const ss of (rs.scopeSpans ?? []) as Obj[]) {
        const scope = ((ss.scope as Obj | undefined)?.name as string | undefined) ?? '';
        for (const s of (ss.spans ?? []) as Obj[]) {
          const status = (s.status ?? {}) as Obj;
          this.spans.push({
            traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: hex(s.parentSpanId), name: s.name as string,
            kind: String(s.kind ?? 'SPAN_KIND_UNSPECIFIED'), startNs: long(s.startTimeUnixNano), endNs: long(s.endTimeUnixNano),
            attributes: attributes(s.attributes), status: { code: String(status.code ?? 'STATUS_CODE_UNSET'), message: (status.message as string | undefined) ?? '' },
            resource, scope,
          });
        }
      }
    }
  }

  private metricsOf(req: Obj): void {
    for (const rm of (req.resourceMetrics ?? []) as Obj[]) {
      const resource = attributes((rm.resource as Obj | undefined)?.attributes);
      for (const sm of (rm.scopeMetrics ?? []) as Obj[]) {
        for (const m of (sm.metrics ?? []) as Obj[]) {
          const metric: ReceivedMetric = { name: m.name as string, unit: (m.unit as string | undefined) ?? '', description: (m.description as string | undefined) ?? '', resource };
          if (m.histogram) {
            metric.histogram = (((m.histogram as Obj).dataPoints ?? []) as Obj[]).map((p) => ({
              attributes: attributes(p.attributes), count: Number(p.count ?? 0), sum: Number(p.sum ?? 0),
              bucketCounts: ((p.bucketCounts ?? []) as unknown[]).map(Number), explicitBounds: ((p.explicitBounds ?? []) as number[]).slice(),
            }));
          }
          this.metrics.push(metric);
        }
      }
    }
  }
}
