/**
 * Default configuration as a plain object. The zod schema applies these with `.default()`, and `check`
 * reads them directly when no config file exists, so the lean path never loads zod (Astro's split).
 * Thresholds are the seed guide's ("Alert Escalation Procedures" and "Performance Degradation Levels").
 */
export const DEFAULTS = {
  /** Total deadline for one command's hub requests. */
  timeoutMs: 5_000,
  check: {
    /** LLM success rate, percent: below warning → WARNING, below critical → CRITICAL. */
    successRate: { warning: 95, critical: 90 },
    /** LLM P95 latency, ms: above warning → WARNING. */
    p95LatencyMs: { warning: 2_000 },
    /** LLM cache hit rate, percent: below warning → WARNING. */
    cacheHitRate: { warning: 80 },
    /** LLM queue depth: above warning → WARNING. */
    queueDepth: { warning: 10 },
    /** Hub process resident memory, MB: above warning → WARNING. */
    memoryMb: { warning: 500 },
    /** Servers down (not counting disabled ones): at or above warning/critical. All down is always critical. */
    serversDown: { warning: 1, critical: 3 },
    /** Severity of a server the hub reports `connected` whose process has died (hub-api.md §6). */
    deadServerSeverity: 'critical' as 'warning' | 'critical',
    /** A connected server with uptime 0 whose lastStarted is older than this is treated as dead. */
    deadAfterMs: 10_000,
    /** Severity while the hub is `starting` or `restarting`. */
    transitionalStateSeverity: 'warning' as 'ok' | 'warning' | 'critical',
  },
  /** The guide's degradation bands; a metric in a band raises the level to at least that colour. */
  levels: {
    successRate: { yellow: 95, orange: 90, red: 80 },
    p95LatencyMs: { yellow: 1_000, orange: 2_000, red: 5_000 },
    cacheHitRate: { yellow: 80, orange: 60, red: 40 },
  },
} as const;

export type Severity = 'ok' | 'warning' | 'critical';

/** The resolved configuration every command works from (camelCase; the YAML is snake_case). */
export interface MonitorConfig {
  /** Where the config came from, for messages; undefined when defaults were used. */
  file?: string;
  hubs: string[];
  timeoutMs: number;
  check: {
    successRate: { warning: number; critical: number };
    p95LatencyMs: { warning: number };
    cacheHitRate: { warning: number };
    queueDepth: { warning: number };
    memoryMb: { warning: number };
    serversDown: { warning: number; critical: number };
    deadServerSeverity: 'warning' | 'critical';
    deadAfterMs: number;
    transitionalStateSeverity: Severity;
  };
  levels: {
    successRate: { yellow: number; orange: number; red: number };
    p95LatencyMs: { yellow: number; orange: number; red: number };
    cacheHitRate: { yellow: number; orange: number; red: number };
  };
}

/** A deep copy of the defaults as a MonitorConfig. */
export function defaultConfig(): MonitorConfig {
  return { hubs: [], ...structuredClone(DEFAULTS) } as MonitorConfig;
}
