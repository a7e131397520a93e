/**
 * The one config schema: defaults (from defaults.ts), validation, error text and the README table (generated
 * from `.describe()` by scripts/config-docs.mjs). Loaded only when a config file exists, so `check` without
 * one never loads zod. YAML keys are snake_case, kept as written so an error path is what the user typed.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { DEFAULTS } from './defaults.js';
import { DURATION_HINT, parseDuration } from './duration.js';
import { BYTES_HINT, parseBytes } from './bytes.js';

/** Type names for the docs table of schemas whose zod type (a pipe) says nothing to a reader. */
export const typeLabels = new WeakMap<object, string>();

function labelled<T extends object>(schema: T, label: string): T {
  typeLabels.set(schema, label);
  return schema;
}

/** A duration written with a unit (`30s`, `5m`); parsed to milliseconds. */
export const duration = () => labelled(
  z.string({ error: `not a duration. ${DURATION_HINT}` })
    .refine((s) => parseDuration(s) !== undefined, { message: `not a duration. ${DURATION_HINT}` })
    .transform((s) => parseDuration(s) as number), 'duration');

/** A cron pattern (5 or 6 fields, as croner reads it), or '' for "never". */
export const cron = () => labelled(
  z.string().refine((s) => {
    if (s === '') return true;
    try {
      new Cron(s, { paused: true }).stop();
      return true;
    } catch {
      return false;
    }
  }, { message: 'not a cron pattern. Write five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * 0"' }), 'cron');

/** A byte size written with a unit (`100MB`, `1GiB`); parsed to bytes. */
export const byteSize = () => labelled(
  z.string({ error: `not a byte size. ${BYTES_HINT}` })
    .refine((s) => parseBytes(s) !== undefined, { message: `not a byte size. ${BYTES_HINT}` })
    .transform((s) => parseBytes(s) as number), 'byte size');

const fmtBytes = (n: number) => (n % 1e9 === 0 ? `${n / 1e9}GB` : `${n / 1e6}MB`);
const V = DEFAULTS.validate;
const A = DEFAULTS.anomalies;

const percent = (d: number, what: string) => z.number().min(0).max(100).default(d).describe(what);
const severity = z.enum(['ok', 'warning', 'critical']);
const fmtMs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
const fmtDays = (ms: number) => (ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : `${ms / 3_600_000}h`);
const C = DEFAULTS.check;
const AL = DEFAULTS.alerting;
const S = DEFAULTS.slo;

/** A label matcher: name=value, name!=value, name=~regex, name!~regex. */
const matcherString = () => z.string().refine((m) => /^[a-z_]+(=~|!~|!=|=)/.test(m), { message: 'not a matcher. Write name=value, name!=value, name=~regex or name!~regex' });
const routeSteps = (sev: string) => z.array(z.object({
  after: duration().prefault('0s').describe('How long the alert has fired before this step'),
  receivers: z.array(z.string()).min(1).describe('Receiver names'),
  unacked_only: z.boolean().default(false).describe('Only while nobody acked the alert'),
}).strict()).default([]).describe(`Escalation steps for ${sev} alerts`);
const L = DEFAULTS.levels;

const bands = (d: { yellow: number; orange: number; red: number }, what: string) =>
  z.object({
    yellow: z.number().default(d.yellow).describe(`${what}: yellow (L2) boundary`),
    orange: z.number().default(d.orange).describe(`${what}: orange (L3) boundary`),
    red: z.number().default(d.red).describe(`${what}: red (L4) boundary`),
  }).strict().prefault({});

export const configSchema = z.object({
  hubs: z.array(z.string().url({ message: 'not a URL. Write e.g. http://127.0.0.1:7000' })).default([])
    .describe('Hub base URLs to watch; empty = MCP_HUB_URL, then live hubs from workspaces.json, then http://127.0.0.1:7000'),
  timeout: duration().prefault(fmtMs(DEFAULTS.timeoutMs)).describe('Total deadline for one command\'s hub requests'),
  check: z.object({
    success_rate: z.object({
      warning: percent(C.successRate.warning, 'LLM success rate (%) below which check warns'),
      critical: percent(C.successRate.critical, 'LLM success rate (%) below which check is critical'),
    }).strict().prefault({}),
    p95_latency_ms: z.object({
      warning: z.number().positive().default(C.p95LatencyMs.warning).describe('LLM P95 latency (ms) above which check warns'),
    }).strict().prefault({}),
    cache_hit_rate: z.object({
      warning: percent(C.cacheHitRate.warning, 'LLM cache hit rate (%) below which check warns'),
    }).strict().prefault({}),
    queue_depth: z.object({
      warning: z.number().min(0).default(C.queueDepth.warning).describe('LLM queue depth above which check warns'),
    }).strict().prefault({}),
    memory_mb: z.object({
      warning: z.number().positive().default(C.memoryMb.warning).describe('Hub RSS (MB) above which check warns'),
    }).strict().prefault({}),
    servers_down: z.object({
      warning: z.number().int().min(1).default(C.serversDown.warning).describe('Servers down (disabled ones excluded) at which check warns'),
      critical: z.number().int().min(1).default(C.serversDown.critical).describe('Servers down at which check is critical (all down is always critical)'),
    }).strict().prefault({}),
    dead_server_severity: z.enum(['warning', 'critical']).default(C.deadServerSeverity)
      .describe('Severity of a server the hub reports connected whose process has died'),
    dead_after: duration().prefault(fmtMs(C.deadAfterMs))
      .describe('A connected server with uptime 0 whose lastStarted is older than this is dead'),
    transitional_state_severity: severity.default(C.transitionalStateSeverity)
      .describe('Severity while the hub is starting or restarting'),
  }).strict().prefault({}),
  collect: z.object({
    interval: duration().prefault(fmtMs(DEFAULTS.collect.intervalMs)).describe('How often the daemon polls each hub'),
    sse: z.boolean().default(DEFAULTS.collect.sse).describe('Listen to each hub\'s SSE stream; false = poll-only (an SSE client keeps an --auto-shutdown hub alive)'),
    retention: z.object({
      raw: duration().prefault(fmtDays(DEFAULTS.collect.retention.rawMs)).describe('How long raw samples are kept'),
      one_minute: duration().prefault(fmtDays(DEFAULTS.collect.retention.oneMinuteMs)).describe('How long 1-minute rollups are kept'),
      one_hour: duration().prefault(fmtDays(DEFAULTS.collect.retention.oneHourMs)).describe('How long 1-hour rollups are kept'),
    }).strict().prefault({}),
  }).strict().prefault({}),
  probes: z.object({
    enabled: z.boolean().default(DEFAULTS.probes.enabled).describe('Probe each connected server through the hub (a read-only MCP round trip to its child); catches a dead child the hub still calls connected'),
    interval: duration().prefault(fmtMs(DEFAULTS.probes.intervalMs)).describe('How often every connected server is probed, and the canaries called (the full round)'),
    idle_interval: duration().prefault(fmtMs(DEFAULTS.probes.idleIntervalMs)).describe('Between full rounds, how often a server that showed no sign of life lately (no answer, no line through the hub) is probed: a hung child is found within about this plus timeout ("0s" = full rounds only)'),
    timeout: duration().prefault(fmtMs(DEFAULTS.probes.timeoutMs)).describe('How long a server may take to answer a probe or canary before it counts as hung'),
    canaries: z.array(z.object({
      hub: z.string().default('').describe('Hub URL the canary applies to ("" = every watched hub)'),
      server: z.string().min(1).describe('Server whose tool is called'),
      tool: z.string().min(1).describe('A read-only tool to call on every probe (its latency and failures are recorded)'),
      arguments: z.record(z.string(), z.unknown()).default({}).describe('Arguments for the call'),
    }).strict()).default([]).describe('Read-only tool calls made through the hub as canaries'),
  }).strict().prefault({}),
  alerting: z.object({
    enabled: z.boolean().default(AL.enabled).describe('Evaluate alert rules in the daemon and notify receivers'),
    failure_threshold: z.number().int().min(1).default(AL.failureThreshold).describe('Consecutive failing evaluations before an alert is pending (a failed poll is confirmed at +1 s and +2 s)'),
    success_threshold: z.number().int().min(1).default(AL.successThreshold).describe('Consecutive passing evaluations before a firing alert resolves'),
    for: duration().prefault(fmtMs(AL.forMs)).describe('How long an alert stays pending before it fires'),
    keep_firing_for: duration().prefault(fmtMs(AL.keepFiringForMs)).describe('How long a firing alert keeps firing after its condition clears'),
    group_by: z.array(z.enum(['hub', 'server', 'rule', 'severity'])).default(AL.groupBy as ('hub' | 'server' | 'rule' | 'severity')[]).describe('Labels that make one notification group'),
    group_wait: duration().prefault(fmtMs(AL.groupWaitMs)).describe('How long a new group waits for more alerts before its first notification'),
    group_interval: duration().prefault(fmtMs(AL.groupIntervalMs)).describe('Least time between two notifications of a group that changed'),
    repeat_interval: duration().prefault(fmtMs(AL.repeatIntervalMs)).describe('Reminder period while a group keeps firing unchanged (acked alerts are not repeated)'),
    flapping: z.object({
      window: duration().prefault(fmtMs(AL.flapping.windowMs)).describe('The window over which a server\'s state changes are counted'),
      changes: z.number().int().min(2).default(AL.flapping.changes).describe('State changes (up ↔ down, a restart counts two) within the window that make server.flapping fire; its per-cycle alerts then do not page'),
    }).strict().prefault({}),
    rules: z.record(z.string(), z.object({
      enabled: z.boolean().optional().describe('Turn the rule off'),
      severity: z.enum(['critical', 'warning', 'info']).optional().describe('Force the severity (default: the finding\'s)'),
      failure_threshold: z.number().int().min(1).optional().describe('Overrides alerting.failure_threshold'),
      success_threshold: z.number().int().min(1).optional().describe('Overrides alerting.success_threshold'),
      for: duration().optional().describe('Overrides alerting.for'),
      keep_firing_for: duration().optional().describe('Overrides alerting.keep_firing_for'),
    }).strict()).default({}).describe('Per rule id (a check id such as server.status, hub.reachable, llm.success_rate, server.probe, slo.burn_rate): overrides'),
    routes: z.object({
      critical: routeSteps('critical'),
      warning: routeSteps('warning'),
      info: routeSteps('info'),
    }).strict().optional().describe('Escalation per severity; absent = every receiver at once for critical and warning, info logged only'),
    maintenance: z.array(z.object({
      cron: cron().describe('When a window starts'),
      duration: duration().describe('How long it lasts'),
      matchers: z.array(matcherString()).default([]).describe('Alerts it covers (label matchers; none = all)'),
      comment: z.string().default('').describe('Why'),
    }).strict()).default([]).describe('Recurring windows during which matching alerts notify nobody'),
    external_url: z.string().default(AL.externalUrl).describe('A link to the full alert text, put in messages'),
    heartbeat: z.object({
      url: z.string().default(AL.heartbeat.url).describe('Dead-man\'s switch: GET this URL every interval while the daemon collects (e.g. healthchecks.io); "" = off'),
      interval: duration().prefault(fmtMs(AL.heartbeat.intervalMs)).describe('How often'),
    }).strict().prefault({}),
    receivers: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'a receiver name is letters, digits, _ . - (at most 64)' }), z.looseObject({ type: z.string() }))
      .default({}).describe('Notification receivers by name (their types and keys: docs/receivers.md)'),
  }).strict().prefault({}),
  regression: z.object({
    window: duration().prefault(fmtMs(DEFAULTS.regression.windowMs)).describe('The live window compared with the pinned baseline (<state-dir>/baselines/pinned.json)'),
    tolerance: z.number().min(0).max(1000).default(DEFAULTS.regression.tolerance * 100).describe('Slowdown (%) the confidence interval must surely exceed to count as a regression'),
    interval: duration().prefault(fmtMs(DEFAULTS.regression.intervalMs)).describe('How often the daemon compares (two regressions in a row alert)'),
  }).strict().prefault({}),
  http: z.object({
    listen: z.string().refine((v) => v === '' || /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(v), { message: 'not host:port. Write e.g. 127.0.0.1:9464 or [::1]:9464' })
      .default(DEFAULTS.http.listen).describe('Serve /metrics, the JSON API and the live stream on host:port ("" = off; loopback only unless a token is set)'),
    token: z.string().default(DEFAULTS.http.token).describe('Bearer token for every request (at least 16 characters; env:NAME or file:/path); required for a non-loopback bind'),
    allowed_hosts: z.array(z.string()).default(DEFAULTS.http.allowedHosts).describe('Extra Host header values to accept (e.g. a reverse proxy\'s name); DNS-rebinding defence'),
  }).strict().prefault({}),
  slo: z.object({
    window: duration().prefault(fmtDays(S.windowMs)).describe('The SLO window (error budget period)'),
    availability: z.number().min(0).max(100).default(S.availabilityPercent).describe('Availability objective (% of polls the hub answers and is up)'),
    latency: z.number().min(0).max(100).default(S.latencyPercent).describe('Latency objective: % of health polls answered within latency_threshold'),
    latency_threshold: duration().prefault(fmtMs(S.latencyThresholdMs)).describe('The health latency the latency objective counts as good'),
  }).strict().prefault({}),
  schedule: z.object({
    anomalies: cron().default(DEFAULTS.schedule.anomalies).describe('When the daemon runs an anomaly pass (cron syntax; "" = never)'),
    validate: cron().default(DEFAULTS.schedule.validate).describe('When the daemon runs the full validation (cron syntax; "" = never)'),
    summary: cron().default(DEFAULTS.schedule.summary).describe('When the daemon writes the daily review to <state>/reports'),
    report_weekly: cron().default(DEFAULTS.schedule.report_weekly).describe('When the daemon writes the weekly review'),
    report_monthly: cron().default(DEFAULTS.schedule.report_monthly).describe('When the daemon writes the monthly review'),
    baseline: cron().default(DEFAULTS.schedule.baseline).describe('When the daemon saves a 60 s measure as a baseline'),
  }).strict().prefault({}),
  validate: z.object({
    disk_free_percent: z.object({
      warning: percent(V.diskFreePercent.warning, 'Free space (%) of the state and log filesystems below which validate warns'),
      critical: percent(V.diskFreePercent.critical, 'Free space (%) below which validate is critical'),
    }).strict().prefault({}),
    log_dir_warning: byteSize().prefault(fmtBytes(V.logDirWarningBytes)).describe('Size of the hub\'s log dir above which validate warns (never rotated upstream)'),
    accept_exposure: z.string().default(V.acceptExposure)
      .refine((s) => s === '' || s.trim() !== '', { message: 'write why the hub may listen beyond loopback (e.g. "port firewalled to the VPN, OPS-12"), or leave it out' })
      .describe('Why a hub listening beyond loopback is intended: hub.exposure is then OK with this reason as a note ("" = it warns)'),
  }).strict().prefault({}),
  logs: z.object({
    file: z.string().default(DEFAULTS.logs.file).describe('Hub log file to read ("" = the hub\'s own mcp-hub.log); any of the three formats'),
    command: z.string().default(DEFAULTS.logs.command).describe('Read the hub log from this command\'s output instead (run with sh -c during the window), e.g. "journalctl -u mcp-hub -o cat -f"'),
  }).strict().prefault({}),
  anomalies: z.object({
    window: duration().prefault(fmtMs(A.windowMs)).describe('How long anomalies samples live (no history store yet)'),
    error_spike: z.object({
      errors: z.number().int().min(1).default(A.errorSpike.errors).describe('Error log lines that make a spike'),
      within: duration().prefault(fmtMs(A.errorSpike.withinMs)).describe('...within this time'),
    }).strict().prefault({}),
    flapping_cycles: z.number().int().min(1).default(A.flappingCycles).describe('Disconnect/reconnect cycles of one server above which it is flapping'),
    cpu_percent: z.number().positive().default(A.cpuPercent).describe('Hub plus children CPU (% of one core) above which it is an anomaly'),
    rss: z.object({
      warning: byteSize().prefault(fmtBytes(A.rssBytes.warning)).describe('Hub RSS above which anomalies warns'),
      critical: byteSize().prefault(fmtBytes(A.rssBytes.critical)).describe('Hub RSS above which anomalies is critical'),
    }).strict().prefault({}),
    log_size: byteSize().prefault(fmtBytes(A.logSizeBytes)).describe('Log file size above which log growth is an anomaly'),
    log_flood: z.object({
      lines_per_second: z.number().positive().default(A.logFlood.linesPerSecond).describe('Log lines per second that, with duplicates, make a flood'),
      duplicate_ratio: z.number().min(0).max(1).default(A.logFlood.duplicateRatio).describe('Share of the most repeated message that makes a flood'),
    }).strict().prefault({}),
    outlier_sigmas: z.number().positive().default(A.outlierSigmas).describe('Robust standard deviations from the median that make a value an outlier'),
  }).strict().prefault({}),
  levels: z.object({
    success_rate: bands(L.successRate, 'LLM success rate (%)'),
    p95_latency_ms: bands(L.p95LatencyMs, 'LLM P95 latency (ms)'),
    cache_hit_rate: bands(L.cacheHitRate, 'LLM cache hit rate (%)'),
  }).strict().prefault({}),
}).strict();

export type ConfigInput = z.input<typeof configSchema>;
export type ConfigOutput = z.output<typeof configSchema>;
