/**
 * OpenTelemetry export over OTLP/HTTP (protobuf) with the official SDK: one tracer and one meter per
 * process, never registered globally (nothing else in the process is traced by accident). Loaded only by a
 * dynamic import when `otel.enabled` is set, so the tap's and `check`'s import graphs stay lean without it.
 *
 * The config wins over the standard variables, which fill what it leaves unset (OTEL_EXPORTER_OTLP_ENDPOINT,
 * _TRACES_ENDPOINT, _METRICS_ENDPOINT, _HEADERS, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_TRACES_SAMPLER_ARG). Every export has the config's deadline. An export that fails is counted, its
 * reason kept and logged (at most once a minute, and once when it works again): silent is the worst failure.
 */
import { hostname } from 'node:os';
import { DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, diag, trace, type Context, type Meter, type Span, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { MonitorConfig } from '../config/schema.js';
import { exportUrl, type ExportCounts, type TelemetryStatus } from './status.js';

export type OtelSettings = Omit<MonitorConfig['otel'], 'enabled'>;

export interface TelemetryOptions {
  settings: OtelSettings;
  /** service.name when neither the config nor OTEL_SERVICE_NAME names one. */
  defaultServiceName: string;
  serviceVersion: string;
  log(line: string): void;
  env?: NodeJS.ProcessEnv;
  /** How soon finished spans are sent (unset: OTEL_BSP_SCHEDULE_DELAY, else the SDK's 5 s; tests shorten it). */
  spanDelayMs?: number;
  /** How many finished spans wait for export at most (the SDK's default 2,048; tests shrink it). */
  spanQueueSize?: number;
}

export interface Telemetry {
  tracer: Tracer;
  meter: Meter;
  /** The W3C trace context of a carrier (`params._meta`, HTTP headers): the remote parent, or ROOT_CONTEXT. */
  extract(carrier: Record<string, unknown>): Context;
  /** Writes `traceparent` (and `tracestate`) of `context` into the carrier. */
  inject(context: Context, carrier: Record<string, unknown>): void;
  status(): TelemetryStatus;
  /** `parent` (default: the root context) with `span` as its current span: what inject() writes for the span's children. */
  contextWith(span: Span, parent?: Context): Context;
  /** The API's enums, for callers that import only its types. */
  SpanKind: typeof SpanKind;
  SpanStatusCode: typeof SpanStatusCode;
  /** Sends what is pending (within the export deadline) and stops. */
  shutdown(): Promise<void>;
}

const ERROR_LOG_EVERY_MS = 60_000;

/** Counts one signal's exports and says when they fail and when they work again. */
class ExportLedger {
  readonly counts: ExportCounts = { exported: 0, failed: 0, failedExports: 0, failing: false };
  private lastLogged = 0;
  private lastDropLogged = 0;

  constructor(private readonly what: string, private readonly url: string, private readonly secrets: string[], private readonly log: (line: string) => void) {}

  done(result: ExportResult, items: number): void {
    if (result.code === ExportResultCode.SUCCESS) {
      this.counts.exported += items;
      this.counts.lastSuccessAt = Date.now();
      if (this.counts.failing) this.log(`otel: ${this.what} export to ${this.url} works again`);
      this.counts.failing = false;
      return;
    }
    this.counts.failed += items;
    this.counts.failedExports += 1;
    const reason = this.redact(result.error?.message ?? 'unknown error').slice(0, 300);
    this.counts.lastError = reason;
    this.counts.lastErrorAt = Date.now();
    if (!this.counts.failing || Date.now() - this.lastLogged >= ERROR_LOG_EVERY_MS) {
      this.lastLogged = Date.now();
      this.log(`otel: ${this.what} export to ${this.url} failed (${items} lost, ${this.counts.failedExports} failed exports so far): ${reason}`);
    }
    this.counts.failing = true;
  }

  /** Items lost before any export (the span queue was full): counted as lost, said, but the export itself works. */
  lost(items: number, reason: string): void {
    this.counts.failed += items;
    this.counts.lastError = reason;
    this.counts.lastErrorAt = Date.now();
    if (Date.now() - this.lastDropLogged >= ERROR_LOG_EVERY_MS) {
      this.lastDropLogged = Date.now();
      this.log(`otel: ${items} ${this.what === 'traces' ? 'spans' : 'metric streams'} dropped before export: ${reason}`);
    }
  }

  private redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (s.length >= 4) out = out.split(s).join('<redacted>');
    return out;
  }
}

function countedSpans(inner: SpanExporter, ledger: ExportLedger): SpanExporter {
  return {
    export: (spans: ReadableSpan[], done: (r: ExportResult) => void) => inner.export(spans, (r) => {
      ledger.done(r, spans.length);
      done(r);
    }),
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

function countedMetrics(inner: PushMetricExporter, ledger: ExportLedger): PushMetricExporter {
  return {
    export: (metrics: ResourceMetrics, done: (r: ExportResult) => void) => inner.export(metrics, (r) => {
      ledger.done(r, metrics.scopeMetrics.reduce((n, s) => n + s.metrics.length, 0));
      done(r);
    }),
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush(),
    ...(inner.selectAggregationTemporality ? { selectAggregationTemporality: inner.selectAggregationTemporality.bind(inner) } : {}),
    ...(inner.selectAggregation ? { selectAggregation: inner.selectAggregation.bind(inner) } : {}),
  };
}

/** The ratio of new traces to record: the config's, else OTEL_TRACES_SAMPLER_ARG, else all. */
function samplingRatio(settings: OtelSettings, env: NodeJS.ProcessEnv): number {
  if (settings.sampling !== undefined) return settings.sampling;
  const fromEnv = Number(env.OTEL_TRACES_SAMPLER_ARG);
  return env.OTEL_TRACES_SAMPLER_ARG !== undefined && fromEnv >= 0 && fromEnv <= 1 ? fromEnv : 1;
}

const QUEUE_DROPS = /^Dropped (\d+) spans because maxQueueSize reached/;

/**
 * The batch span processor drops spans when its queue is full (calls faster than the backend takes them) and
 * says so only through the API's diagnostic logger: counted here as lost, so the drop is not silent. The
 * logger is global; each process has one export, so one listener.
 */
function countQueueDrops(ledger: ExportLedger): void {
  const ignore = (): void => undefined;
  diag.setLogger({
    error: ignore, info: ignore, debug: ignore, verbose: ignore,
    warn: (message: string) => {
      const m = QUEUE_DROPS.exec(message);
      if (m) ledger.lost(Number(m[1]), `the span queue was full (${m[1]} spans dropped): the backend takes spans slower than calls come`);
    },
  }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}

export async function startTelemetry(o: TelemetryOptions): Promise<Telemetry> {
  const env = o.env ?? process.env;
  const s = o.settings;
  const base = s.endpoint.replace(/\/+$/, '');
  const headers = Object.keys(s.headers).length > 0 ? { ...s.headers } : undefined;
  const secrets = Object.values(s.headers);
  const common = { timeoutMillis: s.timeout, ...(headers ? { headers } : {}) };

  const fromEnvDetector = await detectResources({ detectors: [envDetector] });
  const resource = resourceFromAttributes({
    'service.name': o.defaultServiceName, 'service.version': o.serviceVersion,
    'service.instance.id': `${hostname()}:${process.pid}`, 'host.name': hostname(),
  }).merge(fromEnvDetector).merge(s.service_name ? resourceFromAttributes({ 'service.name': s.service_name }) : null);

  const traceUrl = exportUrl(base, 'traces', env);
  const traceLedger = new ExportLedger('traces', traceUrl, secrets, o.log);
  const tracerProvider = new BasicTracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplingRatio(s, env)) }),
    spanProcessors: [new BatchSpanProcessor(
      countedSpans(new OTLPTraceExporter({ ...common, ...(base ? { url: `${base}/v1/traces` } : {}) }), traceLedger),
      {
        exportTimeoutMillis: s.timeout, ...(o.spanDelayMs !== undefined ? { scheduledDelayMillis: o.spanDelayMs } : {}),
        ...(o.spanQueueSize !== undefined ? { maxQueueSize: o.spanQueueSize, maxExportBatchSize: o.spanQueueSize } : {}),
      },
    )],
  });
  countQueueDrops(traceLedger);

  const metricUrl = exportUrl(base, 'metrics', env);
  const metricLedger = new ExportLedger('metrics', metricUrl, secrets, o.log);
  const meterProvider = new MeterProvider({
    resource,
    readers: [new PeriodicExportingMetricReader({
      exporter: countedMetrics(new OTLPMetricExporter({ ...common, ...(base ? { url: `${base}/v1/metrics` } : {}) }), metricLedger),
      exportIntervalMillis: s.metrics_interval,
      exportTimeoutMillis: Math.min(s.timeout, s.metrics_interval),
    })],
  });

  const propagator = new W3CTraceContextPropagator();
  const scope = { name: 'mcp-hub-monitor', version: o.serviceVersion };
  return {
    tracer: tracerProvider.getTracer(scope.name, scope.version),
    meter: meterProvider.getMeter(scope.name, scope.version),
    extract: (carrier) => propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
    inject: (context, carrier) => propagator.inject(context, carrier, defaultTextMapSetter),
    contextWith: (span, parent = ROOT_CONTEXT) => trace.setSpan(parent, span),
    SpanKind,
    SpanStatusCode,
    status: () => ({ traces: { url: traceUrl, ...traceLedger.counts }, metrics: { url: metricUrl, ...metricLedger.counts } }),
    shutdown: async () => {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
