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
    /** Severity of a server the hub reports `connected` whose process has died (docs/hub-api.md §6). */
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
    /** The full round: every connected server, then the canaries. */
    intervalMs: 60_000,
    /**
     * Between full rounds, servers with no sign of life in the last half of this are probed this often, so
     * a hung child is found within about this plus timeoutMs (0 = full rounds only).
     */
    idleIntervalMs: 5_000,
    /** How long a child may take to answer (the hub's request_options.timeout). */
    timeoutMs: 5_000,
    /** Read-only tool calls made through the hub on the probe schedule, with their latency. */
    canaries: [] as CanaryConfig[],
  },
  /** The daemon's alerting: rules are check's findings (same thresholds), with a lifecycle per rule id. */
  alerting: {
    enabled: true,
    /** Consecutive failing evaluations before an alert is pending (faults §4.4). */
    failureThreshold: 3,
    /** Consecutive passing evaluations before a firing alert resolves. */
    successThreshold: 2,
    /** How long an alert stays pending before it fires (Alertmanager/Prometheus `for`). */
    forMs: 0,
    /** How long a firing alert keeps firing after its condition clears. */
    keepFiringForMs: 0,
    groupBy: ['hub'] as string[],
    groupWaitMs: 5_000,
    groupIntervalMs: 300_000,
    repeatIntervalMs: 4 * 3_600_000,
    /**
     * `server.flapping`: a server whose state changed (up ↔ down, or restarted) at least `changes` times
     * within `windowMs` (Prometheus `changes()` over a range) is one flapping alert, and its per-cycle
     * alerts do not page. 3 = down, up, down again.
     */
    flapping: { windowMs: 600_000, changes: 3 },
    /** Per rule id: overrides of the settings above, `enabled` and `severity`. */
    rules: {
      'servers.down': { enabled: false },
      // A hub whose process restarts every few seconds must not notify once per restart (faults A13): once
      // down has fired, it resolves only after 2 minutes of answers.
      'hub.reachable': { keepFiringForMs: 120_000 },
      'server.probe': { failureThreshold: 1 },
      // Fires on the change that reaches the count and resolves once the window holds fewer: the count is
      // already a confirmation over time.
      'server.flapping': { failureThreshold: 1, successThreshold: 1 },
      'canary.call': { failureThreshold: 2 },
      'slo.burn_rate': { failureThreshold: 1, successThreshold: 1 },
      'notifier.broken': { failureThreshold: 1, successThreshold: 1 },
      'config.reload': { failureThreshold: 1, successThreshold: 1 },
      // The history refuses writes (disk full): two refused attempts in a row (a second apart at least), and
      // the first write that succeeds resolves it.
      'monitor.store': { failureThreshold: 2, successThreshold: 1 },
      // Two comparison windows in a row: a sustained regression, not one noisy window.
      'baseline.regression': { failureThreshold: 2, successThreshold: 1 },
    } as Record<string, RuleOverride>,
    /** Per severity: escalation steps. Empty for a severity = log only. Absent = every receiver at once (critical, warning). */
    routes: undefined as Record<'critical' | 'warning' | 'info', RouteStep[]> | undefined,
    maintenance: [] as MaintenanceWindow[],
    /** A link to the full alert text in messages (the daemon's dashboard). */
    externalUrl: '',
    /** Dead-man's switch: a URL the daemon GETs every interval while it is collecting. */
    heartbeat: { url: '', intervalMs: 60_000 },
    receivers: {} as Record<string, { type: string } & Record<string, unknown>>,
  },
  /** Regression detection: the live window's latencies against the pinned baseline (baselines/pinned.json). */
  regression: {
    windowMs: 3_600_000,
    /** A slowdown must be surely beyond this fraction to count (0.1 = 10 %). */
    tolerance: 0.1,
    intervalMs: 900_000,
  },
  /** The daemon's HTTP server (/metrics, JSON API, live stream): off unless `listen` is set. */
  http: {
    /** host:port, e.g. 127.0.0.1:9464; '' = off. */
    listen: '',
    /** Bearer token; required for a non-loopback bind. */
    token: '',
    allowedHosts: [] as string[],
  },
  /** Service level objectives per hub (the guide's: 99.9 % availability, health P95 < 50 ms). */
  slo: {
    windowMs: 30 * 86_400_000,
    availabilityPercent: 99.9,
    /** The share of health polls that must answer within latencyThresholdMs. */
    latencyPercent: 95,
    latencyThresholdMs: 50,
    /** Multi-window multi-burn-rate alerts (Google SRE workbook): both windows must burn faster than factor. */
    burnRates: [
      { longMs: 3_600_000, shortMs: 300_000, factor: 14.4, severity: 'critical' },
      { longMs: 6 * 3_600_000, shortMs: 1_800_000, factor: 6, severity: 'warning' },
    ] as { longMs: number; shortMs: number; factor: number; severity: 'critical' | 'warning' }[],
  },
  /** The daemon's built-in schedule (cron syntax), replacing the guide's crontab; '' turns a job off. */
  schedule: {
    /** An anomaly pass (the guide ran detect-anomalies.sh hourly, weekdays 9–18 only). */
    anomalies: '0 * * * *',
    /** The comprehensive validation (the guide's weekly phase1-validation.sh, Sunday 02:00). */
    validate: '0 2 * * 0',
    /** The daily review written to <state>/reports (the guide's "Daily Review"). */
    summary: '0 7 * * *',
    /** The weekly and monthly reviews. */
    report_weekly: '0 8 * * 1',
    report_monthly: '0 8 1 * *',
    /** A 60 s measure saved as a baseline every night (compare them with `baseline compare`). */
    baseline: '30 3 * * *',
  },
  validate: {
    /** Free space (% of the filesystem) of the state and log dirs: below warning → WARNING, below critical → CRITICAL. */
    diskFreePercent: { warning: 20, critical: 10 },
    /** Size of the hub's log dir above which validate warns (the upstream log is never rotated). */
    logDirWarningBytes: 100_000_000,
    /** Why a hub listening beyond loopback is intended ('' = not accepted: hub.exposure warns). */
    acceptExposure: '',
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
  probes: { enabled: boolean; intervalMs: number; idleIntervalMs: number; timeoutMs: number; canaries: CanaryConfig[] };
  alerting: {
    enabled: boolean;
    failureThreshold: number;
    successThreshold: number;
    forMs: number;
    keepFiringForMs: number;
    groupBy: string[];
    groupWaitMs: number;
    groupIntervalMs: number;
    repeatIntervalMs: number;
    flapping: { windowMs: number; changes: number };
    rules: Record<string, RuleOverride>;
    routes: Record<'critical' | 'warning' | 'info', RouteStep[]> | undefined;
    maintenance: MaintenanceWindow[];
    externalUrl: string;
    heartbeat: { url: string; intervalMs: number };
    /** Receivers by name; validated by the notifier registry (src/notify/index.ts). */
    receivers: Record<string, { type: string } & Record<string, unknown>>;
  };
  regression: { windowMs: number; tolerance: number; intervalMs: number };
  http: { listen: string; token: string; allowedHosts: string[] };
  slo: {
    windowMs: number;
    availabilityPercent: number;
    latencyPercent: number;
    latencyThresholdMs: number;
    burnRates: { longMs: number; shortMs: number; factor: number; severity: 'critical' | 'warning' }[];
  };
  schedule: { anomalies: string; validate: string; summary: string; report_weekly: string; report_monthly: string; baseline: string };
  validate: {
    diskFreePercent: { warning: number; critical: number };
    logDirWarningBytes: number;
    acceptExposure: string;
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

/** Per-rule alerting settings; unset fields fall back to the alerting defaults. */
export interface RuleOverride {
  enabled?: boolean;
  severity?: 'critical' | 'warning' | 'info';
  failureThreshold?: number;
  successThreshold?: number;
  forMs?: number;
  keepFiringForMs?: number;
}

/** One escalation step: notify `receivers` once an alert has fired for `afterMs` (and, if set, is unacked). */
export interface RouteStep {
  afterMs: number;
  receivers: string[];
  unackedOnly: boolean;
}

/** A recurring window (cron start + duration) during which matching alerts notify nobody. */
export interface MaintenanceWindow {
  cron: string;
  durationMs: number;
  /** Label matchers, e.g. `hub=http://127.0.0.1:7000`, `server=~"fs.*"`. */
  matchers: string[];
  comment: string;
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
