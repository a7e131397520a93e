/**
 * Call statistics as the daemon keeps, stores and judges them: per (hub, server, tool) counts, errors by
 * `error.type`, and a histogram of durations on the OpenTelemetry MCP semantic conventions' advisory
 * boundaries for `mcp.server.operation.duration`. A histogram per interval, not a duration per call: it is
 * a fixed 15 numbers however busy the tool, it sums exactly across intervals (so the store's rollups keep
 * it), and the guide's latency thresholds (2 s, 5 s) are bucket boundaries, so "P95 above 2000 ms" is
 * decided exactly from the counts; only the percentile shown is interpolated inside its bucket.
 * Pure: no I/O, no clock.
 */
import type { CallRecord } from './calls.js';

/** Upper bounds of the duration buckets, in seconds (OTel MCP conventions); one more bucket holds the rest. */
export const CALL_DURATION_BUCKETS_S = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300] as const;

/** One (server, tool) of one hub over some time. */
export interface CallStats {
  hub: string;
  /** '' when the call named no server (`initialize`, `tools/list`). */
  server: string;
  /** '' when the call named no tool. */
  tool: string;
  calls: number;
  errors: number;
  /** Failed calls by `error.type` (`tool_error`, `-32603`, `500`, `transport_error`, …). */
  errorTypes: Record<string, number>;
  /** Calls whose last error message says the server is not connected (its child died). */
  notConnected: number;
  /** Non-cumulative counts per bucket of CALL_DURATION_BUCKETS_S, the last one above 300 s. */
  buckets: number[];
  /** Sum of durations, ms. */
  sumMs: number;
  /** The latest error message seen (capped by the tap), for the alert's text. */
  lastError?: string;
}

// errorTypes has no prototype: an error type named `__proto__` (a string from the tap) is a count like any other.
export const emptyStats = (hub: string, server: string, tool: string): CallStats => ({
  hub, server, tool, calls: 0, errors: 0, errorTypes: Object.create(null) as Record<string, number>, notConnected: 0, buckets: new Array<number>(CALL_DURATION_BUCKETS_S.length + 1).fill(0), sumMs: 0,
});

/** The key of a (hub, server, tool). */
export const statsKey = (hub: string, server: string, tool: string): string => `${hub}\u0000${server}\u0000${tool}`;

/** The hub's error message of a server whose stdio child died (mcp-hub 4.2.1: 500 `Not connected`). */
const NOT_CONNECTED = /\bnot connected\b/i;
export const isNotConnected = (c: Pick<CallRecord, 'outcome' | 'errorMessage'>): boolean => c.outcome !== 'ok' && c.errorMessage !== undefined && NOT_CONNECTED.test(c.errorMessage);

/** The bucket index of a duration in ms. */
export function bucketOf(durationMs: number): number {
  const s = durationMs / 1000;
  const i = CALL_DURATION_BUCKETS_S.findIndex((le) => s <= le);
  return i < 0 ? CALL_DURATION_BUCKETS_S.length : i;
}

/** The error type a failed call counts under. */
export const errorTypeOf = (c: CallRecord): string => c.errorType ?? (c.errorCode !== undefined ? String(c.errorCode) : c.outcome);

/** Adds one call (mutates `s`). */
export function addCall(s: CallStats, c: CallRecord): void {
  s.calls++;
  s.sumMs += c.durationMs;
  s.buckets[bucketOf(c.durationMs)]! += 1;
  if (c.outcome === 'ok') return;
  s.errors++;
  const type = errorTypeOf(c);
  s.errorTypes[type] = (s.errorTypes[type] ?? 0) + 1;
  if (isNotConnected(c)) s.notConnected++;
  if (c.errorMessage !== undefined) s.lastError = c.errorMessage;
}

/** Adds `from` into `into` (mutates `into`). */
export function mergeStats(into: CallStats, from: CallStats): void {
  into.calls += from.calls;
  into.errors += from.errors;
  into.notConnected += from.notConnected;
  into.sumMs += from.sumMs;
  for (const [t, n] of Object.entries(from.errorTypes)) into.errorTypes[t] = (into.errorTypes[t] ?? 0) + n;
  from.buckets.forEach((n, i) => { into.buckets[i] = (into.buckets[i] ?? 0) + n; });
  if (from.lastError !== undefined) into.lastError = from.lastError;
}

/** Calls slower than `ms` (a bucket boundary; otherwise those of the buckets wholly above it). */
export function countAbove(s: CallStats, ms: number): number {
  let n = 0;
  s.buckets.forEach((count, i) => { if (i > 0 && CALL_DURATION_BUCKETS_S[i - 1]! * 1000 >= ms) n += count; });
  return n;
}

/**
 * The q-quantile (0..1) of the durations, ms, interpolated linearly inside its bucket as Prometheus'
 * `histogram_quantile` does (the last bucket, above 300 s, answers 300 s); undefined with no calls.
 */
export function quantileMs(s: CallStats, q: number): number | undefined {
  const total = s.buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < s.buckets.length; i++) {
    const n = s.buckets[i]!;
    if (n > 0 && below + n >= rank) {
      const hi = (CALL_DURATION_BUCKETS_S[i] ?? CALL_DURATION_BUCKETS_S.at(-1)!) * 1000;
      if (i === CALL_DURATION_BUCKETS_S.length) return hi;
      const lo = i === 0 ? 0 : CALL_DURATION_BUCKETS_S[i - 1]! * 1000;
      return lo + (hi - lo) * ((rank - below) / n);
    }
    below += n;
  }
  return CALL_DURATION_BUCKETS_S.at(-1)! * 1000;
}
