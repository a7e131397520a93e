/**
 * One poll of one hub: `/api/health` (which already carries every ServerInfo, so `/api/servers` is not
 * needed for a check) plus the optional metrics routes, all in parallel under one total deadline.
 * Yields a typed, timestamped snapshot and decides nothing about health.
 */
import type http from 'node:http';
import { httpGet, type HttpFailure, type HttpResponse } from './http-get.js';
import { FILTERING_ROUTE, type FailureClass, type FilteringStats, type Health, type HealthResult, type HubSnapshot, type HubTarget, type LlmMetrics, type RouteOutcome } from '../model/hub.js';
import { parseHealth } from './hub-models.js';
import { parseFilteringStats } from './filtering-stats.js';
import { mergeJsonMetrics, mergePrometheusText } from './hub-metrics.js';
import { parseJsonSafe } from '../model/json.js';
import { readTree } from './process-meter.js';
import { cmdlineHasArg, isLoopbackUrl, isPidAlive, readRssBytes } from './proc.js';

export interface PollOptions {
  /** Absolute monotonic deadline (performance.now() ms) shared by every request of this poll. */
  deadline: number;
  /** How timeout messages name that deadline, e.g. "the 5s --timeout budget". */
  limitLabel?: string;
  agent?: http.Agent;
  /** Skip the optional metrics routes (the confirmation re-poll needs only health). */
  healthOnly?: boolean;
  /** Read the CPU ticks of a local hub's process tree too (the daemon: its CPU is between two polls). */
  cpuTicks?: boolean;
  now?: () => number;
  monotonicNow?: () => number;
}

export const HEALTH_MAX_BYTES = 8 * 1024 * 1024;
const METRICS_MAX_BYTES = 1024 * 1024;
export const OPTIONAL_ROUTES = [FILTERING_ROUTE, '/api/metrics/custom', '/api/metrics/prometheus'] as const;

/** First 256 bytes of a body, for messages; control characters are removed by the views. */
export function bodySnippet(body: Buffer): string {
  return body.subarray(0, 256).toString('utf8').replace(/\s+/g, ' ').trim();
}

function describeStatus(res: HttpResponse): string {
  const html = /html/i.test(res.contentType) || /^\s*<!DOCTYPE|^\s*<html/i.test(res.body.subarray(0, 64).toString());
  if (html) return `HTTP ${res.status} with an HTML page (not the hub's JSON API; wrong port or path?)`;
  return `HTTP ${res.status}: ${bodySnippet(res.body)}`;
}

async function fetchHealth(base: string, timeoutMs: number, agent?: http.Agent, limitLabel?: string): Promise<HealthResult> {
  const res = await httpGet(`${base}/api/health`, { timeoutMs, maxBytes: HEALTH_MAX_BYTES, agent, limitLabel });
  if (!res.ok) return { ok: false, failure: res.failure, message: res.message, latencyMs: res.elapsedMs };
  if (res.status !== 200) {
    return { ok: false, failure: 'http_status', status: res.status, message: `GET ${base}/api/health: ${describeStatus(res)}`, latencyMs: res.elapsedMs };
  }
  const parsed = parseJsonSafe(res.body.toString('utf8'));
  if (!parsed.ok) {
    return { ok: false, failure: 'malformed', message: `GET ${base}/api/health: ${parsed.message}`, latencyMs: res.elapsedMs };
  }
  const health = parseHealth(parsed.value);
  return { ok: true, value: health.value, issues: health.issues, latencyMs: res.elapsedMs };
}

async function fetchOptional(
  base: string, route: string, timeoutMs: number, metrics: LlmMetrics, agent?: http.Agent,
): Promise<{ outcome: RouteOutcome; detail?: string; json?: unknown }> {
  const res: HttpResponse | HttpFailure = await httpGet(`${base}${route}`, { timeoutMs, maxBytes: METRICS_MAX_BYTES, agent });
  if (!res.ok) return { outcome: 'error', detail: res.message };
  // A 404 (HTML from upstream, JSON "MCP endpoint not initialized" from the fork before ready) means the
  // hub does not serve it (yet): not exposed, never a failure (faults A7).
  if (res.status === 404) return { outcome: 'not_exposed' };
  if (res.status !== 200) return { outcome: 'error', detail: `GET ${base}${route}: ${describeStatus(res)}` };
  const text = res.body.toString('utf8');
  if (route.endsWith('/prometheus')) {
    if (/^\s*</.test(text)) return { outcome: 'not_exposed' };
    mergePrometheusText(metrics, text, route);
    return { outcome: 'ok' };
  }
  const parsed = parseJsonSafe(text);
  if (!parsed.ok) return { outcome: /^\s*</.test(text) ? 'not_exposed' : 'error', detail: parsed.message };
  mergeJsonMetrics(metrics, parsed.value, route);
  return { outcome: 'ok', json: parsed.value };
}

/** Polls one hub once; resolves by the deadline whatever the hub does. */
export async function pollHub(target: HubTarget, opts: PollOptions): Promise<HubSnapshot> {
  const mono = opts.monotonicNow ?? (() => performance.now());
  const remaining = () => Math.max(0, opts.deadline - mono());
  const metrics: LlmMetrics = { sources: [] };
  const routes: HubSnapshot['routes'] = {};
  let filtering: FilteringStats | undefined;
  const [health] = await Promise.all([
    fetchHealth(target.url, remaining(), opts.agent, opts.limitLabel),
    ...(opts.healthOnly ? [] : OPTIONAL_ROUTES.map(async (route) => {
      const { json, ...outcome } = await fetchOptional(target.url, route, remaining(), metrics, opts.agent);
      routes[route] = outcome;
      if (route === FILTERING_ROUTE) filtering = parseFilteringStats(json);
    })),
  ]);
  const snapshot: HubSnapshot = { target, at: (opts.now ?? Date.now)(), monotonicAt: mono(), health, metrics, ...(filtering ? { filtering } : {}), routes };
  const pid = (health.ok ? health.value.pid : undefined) ?? target.pid;
  // Process facts only for a hub on this machine: a pid from another host means nothing here.
  if (pid !== undefined && isLoopbackUrl(target.url)) {
    const alive = isPidAlive(pid);
    const port = new URL(target.url).port;
    const matchesPort = alive ? cmdlineHasArg(pid, port) : undefined;
    const ours = alive && matchesPort !== false;
    snapshot.process = { pid, alive, matchesPort, rssBytes: ours ? readRssBytes(pid) : undefined };
    const tree = ours && opts.cpuTicks ? readTree(pid, { now: mono }) : undefined;
    if (tree) snapshot.process.cpuTicks = { atMs: tree.atMs, hubKey: tree.hubKey, ticks: tree.ticks };
  }
  return snapshot;
}
