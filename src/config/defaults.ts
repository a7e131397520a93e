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
  collect: {
    /** Poll period per hub for the daemon. */
    intervalMs: 5_000,
    /** Listen to each hub's SSE stream. Off = poll-only: an SSE client keeps an --auto-shutdown hub alive. */
    sse: true,
    /** How long raw samples and the 1-minute and 1-hour rollups are kept. */
    retention: { rawMs: 48 * 3_600_000, oneMinuteMs: 30 * 86_400_000, oneHourMs: 400 * 86_400_000 },
  },
  /** MCP probes through the hub: a liveness round trip to each connected server's child, and canary calls. */
  probes: {
    enabled: true,
    intervalMs: 60_000,
    /** How long a child may take to answer (the hub's request_options.timeout). */
    timeoutMs: 5_000,
    /** Read-only tool calls made through the hub on the probe schedule, with their latency. */
    canaries: [] as CanaryConfig[],
  },
  /** The daemon's built-in schedule (cron syntax), replacing the guide's crontab; '' turns a job off. */
  schedule: {
    /** An anomaly pass (the guide ran detect-anomalies.sh hourly, weekdays 9–18 only). */
    anomalies: '0 * * * *',
    /** The comprehensive validation (the guide's weekly phase1-validation.sh, Sunday 02:00). */
    validate: '0 2 * * 0',
  },
  validate: {
    /** Free space (% of the filesystem) of the state and log dirs: below warning → WARNING, below critical → CRITICAL. */
    diskFreePercent: { warning: 20, critical: 10 },
    /** Size of the hub's log dir above which validate warns (the upstream log is never rotated). */
    logDirWarningBytes: 100_000_000,
  },
  /** Where the hub's log comes from: '' = auto (the hub's own mcp-hub.log). */
  logs: {
    /** A log file to read instead of the hub's default one (e.g. captured stdout JSON lines). */
    file: '',
    /** Read the log from a command's output instead, e.g. `journalctl -u mcp-hub -o cat -f`. */
    command: '',
  },
  anomalies: {
    /** How long to sample live when no history store exists. */
    windowMs: 10_000,
    /** More than this many error log lines within five minutes is a spike. */
    errorSpike: { errors: 10, withinMs: 300_000 },
    /** More than this many disconnect/reconnect cycles of one server is flapping. */
    flappingCycles: 3,
    /** Hub plus children CPU, percent of one core, above which it is an anomaly. */
    cpuPercent: 80,
    /** Hub RSS: above warning → WARNING (the guide's 500 MB), above critical → CRITICAL (its 1 GB). */
    rssBytes: { warning: 500_000_000, critical: 1_000_000_000 },
    /** Log file size above which log growth is an anomaly. */
    logSizeBytes: 100_000_000,
    /** Log flood: lines per second and the share of the single most repeated message. */
    logFlood: { linesPerSecond: 100, duplicateRatio: 0.5 },
    /** A value this many robust standard deviations (MAD × 1.4826) from the median of its history is an outlier. */
    outlierSigmas: 5,
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
  collect: {
    intervalMs: number;
    sse: boolean;
    retention: { rawMs: number; oneMinuteMs: number; oneHourMs: number };
  };
  probes: { enabled: boolean; intervalMs: number; timeoutMs: number; canaries: CanaryConfig[] };
  schedule: { anomalies: string; validate: string };
  validate: {
    diskFreePercent: { warning: number; critical: number };
    logDirWarningBytes: number;
  };
  logs: { file: string; command: string };
  anomalies: {
    windowMs: number;
    errorSpike: { errors: number; withinMs: number };
    flappingCycles: number;
    cpuPercent: number;
    rssBytes: { warning: number; critical: number };
    logSizeBytes: number;
    logFlood: { linesPerSecond: number; duplicateRatio: number };
    outlierSigmas: number;
  };
  levels: {
    successRate: { yellow: number; orange: number; red: number };
    p95LatencyMs: { yellow: number; orange: number; red: number };
    cacheHitRate: { yellow: number; orange: number; red: number };
  };
}

/** A read-only tool call made through the hub as a canary; `hub` '' = every watched hub serving `server`. */
export interface CanaryConfig {
  hub: string;
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
}

/** A deep copy of the defaults as a MonitorConfig. */
export function defaultConfig(): MonitorConfig {
  return { hubs: [], ...structuredClone(DEFAULTS) } as MonitorConfig;
}
