/**
 * What one poll of a hub observed, as typed data: the target, its `/api/health` (state, servers, pid), the
 * optional metrics routes, the fork's filtering stats and the hub's process. Sources produce these
 * (`sources/hub-client.ts` and its parsers); evaluators, the daemon and the views read them. Types and
 * constants only: no parsing, no I/O.
 */

/** How a request failed, as `sources/http-get.ts` classifies it. */
export type FailureClass = 'refused' | 'timeout' | 'network' | 'malformed' | 'too_large' | 'bad_url';

/** Hub states as mcp-hub 4.2.1 reports them. */
export type HubState = 'starting' | 'ready' | 'restarting' | 'restarted' | 'stopping' | 'stopped' | 'error';
export const KNOWN_HUB_STATES: readonly string[] = ['starting', 'ready', 'restarting', 'restarted', 'stopping', 'stopped', 'error'];
export const KNOWN_SERVER_STATUSES: readonly string[] = ['connected', 'connecting', 'disconnected', 'unauthorized', 'disabled'];

export interface ServerInfo {
  name: string;
  displayName?: string;
  transportType?: string;
  /** Raw status string; unknown values are kept (and flagged by the evaluator). */
  status?: string;
  error: string | null;
  /** Whole seconds since the connection finished; undefined when absent or not a sane number. */
  uptimeS?: number;
  /** Epoch ms when connecting last began; null when the hub says null. */
  lastStartedMs?: number | null;
  toolCount: number;
  /** The raw tool objects (kept for tool-list diffs; capped), never merged into our own data. */
  tools?: unknown[];
  serverVersion?: string;
}

export interface Health {
  /** Raw `status` field; the hub always says "ok". */
  status?: string;
  state?: string;
  serverId?: string;
  version?: string;
  activeClients?: number;
  /** Hub's own clock when it answered (epoch ms). Comparing hub times with hub times avoids clock skew. */
  timestampMs?: number;
  servers: ServerInfo[];
  /** The hub's pid, from `workspaces.allActive[current].pid` when served. */
  pid?: number;
  port?: number;
}

/** Optional LLM/cache metrics, normalised from whichever routes a hub serves (sources/hub-metrics.ts). */
export interface LlmMetrics {
  requestsTotal?: number;
  requestsSuccess?: number;
  requestsFailure?: number;
  /** 0..1, only when a hub gives a rate without counts. */
  successRate?: number;
  p95LatencyMs?: number;
  p99LatencyMs?: number;
  cacheHits?: number;
  cacheMisses?: number;
  /** 0..1, from a flat hit-rate field that comes without its counts. */
  cacheHitRate?: number;
  queueDepth?: number;
  circuitBreakerState?: string;
  /** Which routes contributed, for "source" columns and debugging. */
  sources: string[];
}

/** The fork's `GET /api/filtering/stats` (sources/filtering-stats.ts reads it; the counts are decision counters). */
export const FILTERING_ROUTE = '/api/filtering/stats';

/** The numeric fields, by the fork's names. */
export const FILTERING_NUMBERS = [
  'totalTools', 'filteredTools', 'exposedTools', 'filterRate', 'categoryCacheSize', 'cacheHitRate', 'llmCacheSize', 'llmCacheHitRate',
] as const;

export type FilteringNumber = (typeof FILTERING_NUMBERS)[number];

export type FilteringStats = { [K in FilteringNumber]?: number } & {
  /** Absent when the fork's config does not set it. */
  enabled?: boolean;
};

/** How a hub URL was chosen (docs/DESIGN.md §4 discovery order). */
export type TargetOrigin = 'flag' | 'config' | 'env' | 'workspaces' | 'process' | 'remembered' | 'default';

export interface HubTarget {
  url: string;
  origin: TargetOrigin;
  /** From workspaces.json, when discovered there. */
  pid?: number;
  pidAlive?: boolean;
  /** For a hub remembered from an earlier discovery (origin `remembered`): when it last answered (epoch ms). */
  lastSeenAt?: number;
}

export type HealthResult =
  | { ok: true; value: Health; issues: string[]; latencyMs: number }
  | { ok: false; failure: FailureClass | 'http_status'; status?: number; message: string; latencyMs: number };

export type RouteOutcome = 'ok' | 'not_exposed' | 'error';

export interface ProcessFacts {
  pid: number;
  alive: boolean;
  /**
   * The live pid's command line names the hub's port (`--port N` is required by the hub). False means the
   * pid was reused by another process, or the hub runs in another pid namespace (a container): its facts
   * must not be read as the hub's (faults A24).
   */
  matchesPort?: boolean;
  rssBytes?: number;
  /** The CPU ticks of the hub's process tree at this poll (PollOptions.cpuTicks): CPU % is between two polls. */
  cpuTicks?: CpuTicks;
}

/** Cumulative CPU ticks of a hub and its descendants at one moment, each process by pid and start time. */
export interface CpuTicks {
  /** Monotonic milliseconds of the read. */
  atMs: number;
  hubKey: string;
  ticks: ReadonlyMap<string, number>;
}

export interface HubSnapshot {
  target: HubTarget;
  /** Wall-clock time the poll completed (epoch ms). */
  at: number;
  /** Monotonic time the poll completed (performance.now() ms), for durations. */
  monotonicAt: number;
  health: HealthResult;
  metrics: LlmMetrics;
  /** The fork's `/api/filtering/stats`, when it served them this poll. */
  filtering?: FilteringStats;
  routes: Record<string, { outcome: RouteOutcome; detail?: string }>;
  process?: ProcessFacts;
}
