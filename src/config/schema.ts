/**
 * The config: the one definition of every key, its type, default and meaning. The runtime config is its
 * output (MonitorConfig); the README table is generated from its JSON Schema (docs.ts); the build writes its
 * defaults to dist/config/defaults.json for `check`, which must not load zod (defaults.ts). Loaded only when
 * a config file exists. Keys are snake_case as the user writes them, so an error path is what they typed;
 * defaults are written as the user would write them and parsed like their values.
 */
import { z } from 'zod';
import { RULE_IDS, type RuleId } from '../alerts/rule-ids.js';
import { KEYS_KEYWORD, TYPE_KEYWORD } from './json-schema.js';
import { byteSize, cron, duration, matcher, percent } from './value-types.js';
import { formatDuration } from './duration.js';
import { CALL_DURATION_BUCKETS_S } from '../model/call-stats.js';

const severity = z.enum(['ok', 'warning', 'critical']);

interface RuleDefaults {
  enabled?: boolean;
  failure_threshold?: number;
  success_threshold?: number;
  keep_firing_for?: string;
}

/** Rules whose defaults differ from the alerting-wide ones, and why. */
const RULE_DEFAULTS: Partial<Record<RuleId, RuleDefaults>> = {
  'servers.down': { enabled: false },
  // A hub whose process restarts every few seconds must not notify once per restart (faults A13): once
  // down has fired, it resolves only after 2 minutes of answers.
  'hub.reachable': { keep_firing_for: '2m' },
  'server.probe': { failure_threshold: 1 },
  // Fires on the change that reaches the count and resolves once the window holds fewer: the count is
  // already a confirmation over time.
  'server.flapping': { failure_threshold: 1, success_threshold: 1 },
  'canary.call': { failure_threshold: 2 },
  'slo.burn_rate': { failure_threshold: 1, success_threshold: 1 },
  // Judged over calls.window with calls.min_calls: the window is the confirmation, and it resolves once
  // the window no longer shows it.
  'calls.error_rate': { failure_threshold: 1, success_threshold: 1 },
  'calls.p95_latency': { failure_threshold: 1, success_threshold: 1 },
  // Judged over fleet.window: the window is the confirmation.
  'fleet.outlier': { failure_threshold: 1, success_threshold: 1 },
  // Judged over anomaly.trigger.window and anomaly.recovery.window: the windows are the confirmation.
  'anomaly.health_latency': { failure_threshold: 1, success_threshold: 1 },
  'anomaly.probe_latency': { failure_threshold: 1, success_threshold: 1 },
  'anomaly.call_latency': { failure_threshold: 1, success_threshold: 1 },
  'anomaly.error_ratio': { failure_threshold: 1, success_threshold: 1 },
  'anomaly.rss': { failure_threshold: 1, success_threshold: 1 },
  'anomaly.cpu': { failure_threshold: 1, success_threshold: 1 },
  'anomaly.log_errors': { failure_threshold: 1, success_threshold: 1 },
  'anomaly.reconnects': { failure_threshold: 1, success_threshold: 1 },
  'notifier.broken': { failure_threshold: 1, success_threshold: 1 },
  'config.reload': { failure_threshold: 1, success_threshold: 1 },
  // The history refuses writes (disk full): two refused attempts in a row (a second apart at least), and
  // the first write that succeeds resolves it.
  'monitor.store': { failure_threshold: 2, success_threshold: 1 },
  // An OpenTelemetry export that failed twice in a row (5 s apart); the next export that works resolves it.
  'monitor.otel': { failure_threshold: 2, success_threshold: 1 },
  // Two comparison windows in a row: a sustained regression, not one noisy window.
  'baseline.regression': { failure_threshold: 2, success_threshold: 1 },
  // Raised by the remediation job: an outcome fires at once and for a minute at least (told even when the
  // fix was quick, whatever group_wait), a give-up pages at once.
  'remediation.action': { failure_threshold: 1, success_threshold: 1 },
  'remediation.gave_up': { failure_threshold: 1, success_threshold: 1 },
  // Judged every capacity.interval over capacity.window: the window is the confirmation.
  'capacity.rss': { failure_threshold: 1, success_threshold: 1 },
  'capacity.disk': { failure_threshold: 1, success_threshold: 1 },
  'capacity.call_volume': { failure_threshold: 1, success_threshold: 1 },
};

/** `schema` with this rule's own default, else unset: unset falls back to the alerting-wide setting. */
function ruleDefault<T extends z.ZodType>(schema: T, dflt: unknown): z.ZodOptional<T> {
  return (dflt === undefined ? schema.optional() : schema.prefault(dflt as never)) as unknown as z.ZodOptional<T>;
}

const ruleOverride = (d: RuleDefaults = {}) => z.object({
  enabled: ruleDefault(z.boolean(), d.enabled).describe('false turns the rule off'),
  severity: z.enum(['critical', 'warning', 'info']).optional().describe('Force the severity (default: the finding\'s)'),
  failure_threshold: ruleDefault(z.number().int().min(1), d.failure_threshold).describe('Overrides alerting.failure_threshold'),
  success_threshold: ruleDefault(z.number().int().min(1), d.success_threshold).describe('Overrides alerting.success_threshold'),
  for: duration().optional().describe('Overrides alerting.for'),
  keep_firing_for: ruleDefault(duration(), d.keep_firing_for).describe('Overrides alerting.keep_firing_for'),
}).strict().prefault({});

/** One key per rule id, so a misspelt id is an unknown key. */
const ruleShape = () => Object.fromEntries(RULE_IDS.map((id) => [id, ruleOverride(RULE_DEFAULTS[id])])) as Record<RuleId, ReturnType<typeof ruleOverride>>;

// Lists whose items hold a duration default with `prefault`: JSON Schema shows only an input value as default.
const routeSteps = (sev: string) => z.array(z.object({
  after: duration().prefault('0s').describe('How long the alert has fired before this step'),
  receivers: z.array(z.string()).min(1).describe('Receiver names'),
  unacked_only: z.boolean().default(false).describe('Only while nobody acked the alert'),
}).strict()).prefault([]).describe(`Escalation steps for ${sev} alerts`);

const bands = (d: { yellow: number; orange: number; red: number }, what: string) =>
  z.object({
    yellow: z.number().default(d.yellow).describe(`${what}: yellow (L2) boundary`),
    orange: z.number().default(d.orange).describe(`${what}: orange (L3) boundary`),
    red: z.number().default(d.red).describe(`${what}: red (L4) boundary`),
  }).strict().prefault({});

/** A remediation action's limits per target: how often in an hour before it gives up (and pages), and the wait between two. */
const remediationLimits = (maxPerHour: number, cooldown: string) => ({
  max_per_hour: z.number().int().min(1).default(maxPerHour).describe('Attempts per target in any hour; the next one gives up instead and pages (remediation.gave_up)'),
  cooldown: duration().prefault(cooldown).describe('Least time between two attempts on one target'),
});

/** A user's command: a string runs with `sh -c`, a list as argv; the hub, action and reason are in its MHM_* environment. */
const remediationCommand = (what: string) => z.union([z.string(), z.array(z.string().min(1)).min(1)]).default('')
  .describe(`${what}: a shell string or an argv list; MHM_HUB, MHM_ACTION, MHM_RULE, MHM_REASON in its environment ("" = off)`);

/** A learned-band series' own settings: its alert's severity and the least margin of its band (a flat series must not alarm on noise). */
const anomalySeries = <A extends z.ZodType<number>>(id: string, what: string, abs: A, rel: number) => z.object({
  severity: z.enum(['warning', 'critical']).default('warning').describe(`Severity of anomaly.${id} (${what} outside its band)`),
  abs_margin: abs,
  rel_margin: z.number().min(0).default(rel).describe(`Least half-width of the band of ${what} as a share of its expected value (0.1 = 10 %)`),
}).strict().prefault({} as never); // every key has a default (abs_margin's too: the caller gives it one)

export const configSchema = z.object({
  hubs: z.array(z.string().url({ message: 'not a URL. Write e.g. http://127.0.0.1:7000' })).default([])
    .describe('Hub base URLs to watch; empty = MCP_HUB_URL, then live hubs from workspaces.json, then http://127.0.0.1:7000'),
  timeout: duration().prefault('5s').describe('Total deadline for one command\'s hub requests'),
  check: z.object({
    success_rate: z.object({
      warning: percent(95, 'LLM success rate (%) below which check warns'),
      critical: percent(90, 'LLM success rate (%) below which check is critical'),
    }).strict().prefault({}),
    p95_latency_ms: z.object({
      warning: z.number().positive().default(2_000).describe('LLM P95 latency (ms) above which check warns'),
    }).strict().prefault({}),
    cache_hit_rate: z.object({
      warning: percent(80, 'LLM cache hit rate (%) below which check warns'),
    }).strict().prefault({}),
    queue_depth: z.object({
      warning: z.number().min(0).default(10).describe('LLM queue depth above which check warns'),
    }).strict().prefault({}),
    memory_mb: z.object({
      warning: z.number().positive().default(500).describe('Hub RSS (MB) above which check warns'),
    }).strict().prefault({}),
    servers_down: z.object({
      warning: z.number().int().min(1).default(1).describe('Servers down (disabled ones excluded) at which check warns'),
      critical: z.number().int().min(1).default(3).describe('Servers down at which check is critical (all down is always critical)'),
    }).strict().prefault({}),
    dead_server_severity: z.enum(['warning', 'critical']).default('critical')
      .describe('Severity of a server the hub reports connected whose process has died'),
    dead_after: duration().prefault('10s')
      .describe('A connected server with uptime 0 whose lastStarted is older than this is dead'),
    transitional_state_severity: severity.default('warning')
      .describe('Severity while the hub is starting or restarting'),
  }).strict().prefault({}),
  collect: z.object({
    interval: duration().prefault('5s').describe('How often the daemon polls each hub'),
    sse: z.boolean().default(true).describe('Listen to each hub\'s SSE stream; false = poll-only (an SSE client keeps an --auto-shutdown hub alive)'),
    retention: z.object({
      raw: duration().prefault('2d').describe('How long raw samples are kept'),
      one_minute: duration().prefault('30d').describe('How long 1-minute rollups are kept'),
      one_hour: duration().prefault('400d').describe('How long 1-hour rollups are kept'),
    }).strict().prefault({}),
  }).strict().prefault({}),
  probes: z.object({
    enabled: z.boolean().default(true).describe('Probe each connected server through the hub (a read-only MCP round trip to its child); catches a dead child the hub still calls connected'),
    interval: duration().prefault('1m').describe('How often every connected server is probed, and the canaries called (the full round)'),
    idle_interval: duration().prefault('5s').describe('Between full rounds, how often a server that showed no sign of life lately (no answer, no line through the hub) is probed: a hung child is found within about this plus timeout ("0s" = full rounds only)'),
    timeout: duration().prefault('5s').describe('How long a server may take to answer a probe or canary before it counts as hung'),
    canaries: z.array(z.object({
      hub: z.string().default('').describe('Hub URL the canary applies to ("" = every watched hub)'),
      server: z.string().min(1).describe('Server whose tool is called'),
      tool: z.string().min(1).describe('A read-only tool to call on every probe (its latency and failures are recorded)'),
      arguments: z.record(z.string(), z.unknown()).default({}).describe('Arguments for the call'),
    }).strict()).default([]).describe('Read-only tool calls made through the hub as canaries'),
  }).strict().prefault({}),
  alerting: z.object({
    enabled: z.boolean().default(true).describe('Evaluate alert rules in the daemon and notify receivers'),
    failure_threshold: z.number().int().min(1).default(3).describe('Consecutive failing evaluations before an alert is pending (a failed poll is confirmed at +1 s and +2 s)'),
    success_threshold: z.number().int().min(1).default(2).describe('Consecutive passing evaluations before a firing alert resolves'),
    for: duration().prefault('0s').describe('How long an alert stays pending before it fires'),
    keep_firing_for: duration().prefault('0s').describe('How long a firing alert keeps firing after its condition clears'),
    group_by: z.array(z.enum(['hub', 'server', 'rule', 'severity'])).default(['hub']).describe('Labels that make one notification group'),
    group_wait: duration().prefault('5s').describe('How long a new group waits for more alerts before its first notification'),
    group_interval: duration().prefault('5m').describe('Least time between two notifications of a group that changed'),
    repeat_interval: duration().prefault('4h').describe('Reminder period while a group keeps firing unchanged (acked alerts are not repeated)'),
    flapping: z.object({
      window: duration().prefault('10m').describe('The window over which a server\'s state changes are counted'),
      changes: z.number().int().min(2).default(3).describe('State changes (up ↔ down, a restart counts two) within the window that make server.flapping fire; its per-cycle alerts then do not page'),
    }).strict().prefault({}),
    rules: z.object(ruleShape()).strict().prefault({}).meta({ [KEYS_KEYWORD]: 'rule id' })
      .describe(`Per rule id: overrides of the settings above (rule ids: ${RULE_IDS.join(', ')})`),
    routes: z.object({
      critical: routeSteps('critical'),
      warning: routeSteps('warning'),
      info: routeSteps('info'),
    }).strict().optional().describe('Escalation per severity; absent = every receiver at once for critical and warning, info logged only'),
    maintenance: z.array(z.object({
      cron: cron().describe('When a window starts'),
      duration: duration().describe('How long it lasts'),
      matchers: z.array(matcher()).default([]).describe('Alerts it covers (label matchers; none = all)'),
      comment: z.string().default('').describe('Why'),
    }).strict()).prefault([]).describe('Recurring windows during which matching alerts notify nobody'),
    external_url: z.string().default('').describe('A link to the full alert text, put in messages'),
    heartbeat: z.object({
      url: z.string().default('').describe('Dead-man\'s switch: GET this URL every interval while the daemon collects (e.g. healthchecks.io); "" = off'),
      interval: duration().prefault('1m').describe('How often'),
    }).strict().prefault({}),
    receivers: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'a receiver name is letters, digits, _ . - (at most 64)' }), z.looseObject({ type: z.string() }))
      .default({}).describe('Notification receivers by name (their types and keys: docs/receivers.md)'),
  }).strict().prefault({}),
  regression: z.object({
    window: duration().prefault('1h').describe('The live window compared with the pinned baseline (<state-dir>/baselines/pinned.json)'),
    tolerance: z.number().min(0).max(1000).default(10).describe('Slowdown (%) the confidence interval must surely exceed to count as a regression'),
    interval: duration().prefault('15m').describe('How often the daemon compares (two regressions in a row alert)'),
  }).strict().prefault({}),
  remediation: z.object({
    enabled: z.boolean().default(false).describe('Let the daemon act on what it finds (opt-in): the actions below, each rate-limited, never under a silence or maintenance window, never on a server while its hub is down'),
    dry_run: z.boolean().default(false).describe('Decide and record every action (a `remediation` event, result dry_run), change nothing'),
    heal_servers: z.object({
      enabled: z.boolean().default(true).describe('Stop then start (the hub\'s API) a server whose child is dead or hung (server.status dead, server.probe dead or hung), then probe it'),
      ...remediationLimits(3, '2m'),
      timeout: duration().prefault('30s').describe('Deadline of each hub call (stop, start) and of the probe after them (a start can block the hub up to 5 min)'),
    }).strict().prefault({}),
    restart_hub: z.object({
      command: remediationCommand('Restarts a hub that is down (hub.reachable fires), once per incident, e.g. "systemctl --user restart mcp-hub"'),
      ...remediationLimits(2, '5m'),
      timeout: duration().prefault('2m').describe('Deadline of the command (killed after it)'),
      verify_timeout: duration().prefault('1m').describe('How long the hub may take to answer after the command before the restart counts as failed'),
    }).strict().prefault({}),
    on_regression: z.object({
      command: remediationCommand('Runs on a confirmed baseline.regression (e.g. a rollback script), once per incident of a hub'),
      ...remediationLimits(1, '1h'),
      timeout: duration().prefault('5m').describe('Deadline of the command (killed after it)'),
    }).strict().prefault({}),
  }).strict().prefault({}),
  http: z.object({
    listen: z.string().refine((v) => v === '' || /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(v), { message: 'not host:port. Write e.g. 127.0.0.1:9464 or [::1]:9464' })
      .default('').describe('Serve /metrics, the JSON API and the live stream on host:port ("" = off; loopback only unless a token is set)'),
    token: z.string().default('').describe('Bearer token for every request (at least 16 characters; env:NAME or file:/path); required for a non-loopback bind'),
    allowed_hosts: z.array(z.string()).default([]).describe('Extra Host header values to accept (e.g. a reverse proxy\'s name); DNS-rebinding defence'),
  }).strict().prefault({}),
  tap: z.object({
    listen: z.string().refine((v) => v === '' || /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(v), { message: 'not host:port. Write e.g. 127.0.0.1:7001' })
      .default('').describe('Where `tap` listens for the clients it forwards to the hub (host:port; --listen overrides; loopback only unless tap.token is set)'),
    hub: z.string().refine((v) => v === '' || /^https?:\/\//.test(v), { message: 'not an http URL. Write e.g. http://127.0.0.1:7000' })
      .default('').describe('The hub `tap` forwards to (--hub overrides)'),
    token: z.string().default('').describe('Bearer token every client of the tap must send (at least 16 characters; env:NAME or file:/path); required for a non-loopback bind; not forwarded to the hub'),
    max_body_bytes: byteSize().prefault('1MB').describe('Largest request or response body (or SSE event) the tap parses to observe a call; larger ones are forwarded untouched, unobserved'),
    buffer: z.number().int().min(1).default(10_000).describe('Call records the tap keeps while the daemon is away or not reading; beyond it the oldest are dropped and counted'),
    deadline: duration().prefault('6m').describe('Deadline of each forwarded request (an event stream: until its headers); a call unanswered by then is recorded as a timeout. Past the hub\'s own 5-minute request timeout, so the hub\'s answer comes first'),
    record_arguments: z.boolean().default(false).describe('Record each call\'s arguments (secrets redacted, at most 2 KB) so the daemon can show the last failing calls with them (`status`, /api/calls/recent-failures); off, arguments never leave the tap'),
  }).strict().prefault({}),
  fleet: z.object({
    window: duration().prefault('10m').describe('The window over which the watched hubs are compared (status --fleet, fleet.outlier)'),
    interval: duration().prefault('30s').describe('How often the daemon compares the hubs (fleet.outlier)'),
    min_hubs: z.number().int().min(3).default(3).describe('Hubs with a value a metric needs before fleet.outlier compares them (a median of two says nothing)'),
    outlier_z: z.number().positive().default(3.5).describe('Robust z-score (median and MAD) above which a hub is an outlier of the fleet on a metric'),
    min_mad: z.object({
      health_latency_ms: z.number().positive().default(20).describe('Smallest spread (MAD, ms) of the hubs\' median health latency: identical hubs do not alarm on noise'),
      error_ratio: z.number().positive().default(0.02).describe('Smallest spread (MAD) of the hubs\' error ratios (0..1)'),
      restarts_per_hour: z.number().positive().default(1).describe('Smallest spread (MAD) of the hubs\' restarts per hour'),
    }).strict().prefault({}),
  }).strict().prefault({}),
  capacity: z.object({
    enabled: z.boolean().default(true).describe('Predict when hub RSS, the disk used by the hub\'s logs and by the store, and the call volume reach their thresholds (status, reports, capacity.* alerts)'),
    interval: duration().prefault('1h').describe('How often the daemon predicts (from the hourly rollups) and feeds capacity.* to the alerts'),
    window: duration().prefault('7d').describe('The history the trend is fitted to (least squares over its hourly points)'),
    horizon: duration().prefault('7d').describe('capacity.* warns when the earliest crossing (the 95 % prediction interval\'s upper bound) is within this'),
    min_history: duration().prefault('1d').describe('History a resource needs before anything is predicted for it'),
    thresholds: z.object({
      rss: byteSize().prefault('500MB').describe('Hub RSS the prediction counts down to (capacity.rss)'),
      hub_logs: byteSize().prefault('100MB').describe('Size of the hub\'s log dir (or logs.file) the prediction counts down to (capacity.disk; the hub never rotates its log)'),
      store: byteSize().prefault('1GB').describe('Size of the history database with its -wal the prediction counts down to (capacity.disk)'),
      call_volume: z.number().min(0).default(0).describe('Calls a day through the taps the prediction counts down to (capacity.call_volume; 0 = not predicted)'),
    }).strict().prefault({}),
  }).strict().prefault({}),
  calls: z.object({
    window: duration().prefault('5m').describe('The window over which the tap\'s calls are judged (success rate, P95, P99 per server and per tool)'),
    min_calls: z.number().int().min(1).default(10).describe('Calls a server or tool must have in the window before calls.* judge it (zero load never alerts)'),
    success_rate: z.object({
      warning: percent(95, 'Call success rate (%) below which calls.error_rate warns'),
      critical: percent(90, 'Call success rate (%) below which calls.error_rate is critical'),
    }).strict().prefault({}),
    p95_latency_ms: z.object({
      warning: z.number().positive().default(2_000).describe('Call P95 latency (ms) above which calls.p95_latency warns'),
    }).strict().prefault({}),
    p99_latency_ms: z.object({
      critical: z.number().positive().default(5_000).describe('Call P99 latency (ms) above which calls.p95_latency is critical'),
    }).strict().prefault({}),
  }).strict().prefault({}),
  otel: z.object({
    enabled: z.boolean().default(false).describe('Export OpenTelemetry traces and metrics over OTLP/HTTP (protobuf): the tap\'s spans per MCP request and its mcp.server.operation.duration histogram, the daemon\'s probes and canaries as client spans. OTEL_SDK_DISABLED=true turns it off'),
    endpoint: z.string().refine((v) => v === '' || /^https?:\/\//.test(v), { message: 'not an http(s) URL. Write e.g. http://127.0.0.1:4318' })
      .default('').describe('The OTLP/HTTP base URL; traces go to <endpoint>/v1/traces, metrics to <endpoint>/v1/metrics ("" = OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318)'),
    headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, { message: 'not an HTTP header name' }), z.string().meta({ [TYPE_KEYWORD]: 'secret' }))
      .default({}).describe('Headers sent with every export, e.g. an API key (values are secrets: env:NAME or file:/path work; "" = OTEL_EXPORTER_OTLP_HEADERS)'),
    sampling: z.number().min(0).max(1).optional().describe('Share of new traces recorded, 0 to 1 (a client\'s sampled traceparent is always followed; unset = OTEL_TRACES_SAMPLER_ARG, else 1)'),
    service_name: z.string().default('').describe('service.name of what is exported ("" = OTEL_SERVICE_NAME, else mcp-hub-monitor-tap for the tap and mcp-hub-monitor for the daemon)'),
    metrics_interval: duration().prefault('15s').describe('How often metrics are exported'),
    timeout: duration().prefault('10s').describe('Deadline of each export request'),
  }).strict().prefault({}),
  slo: z.object({
    window: duration().prefault('30d').describe('The SLO window (error budget period)'),
    availability: z.number().min(0).max(100).default(99.9).describe('Availability objective (% of polls the hub answers and is up)'),
    latency: z.number().min(0).max(100).default(95).describe('Latency objective: % of health polls answered within latency_threshold'),
    latency_threshold: duration().prefault('50ms').describe('The health latency the latency objective counts as good'),
    calls: z.object({
      success: z.number().min(0).max(100).default(99).describe('Objective on the traffic tap\'s calls: % answered OK (outcome ok; a tool error, a JSON-RPC or HTTP error, a timeout fail). No calls through a tap = no data, never 100 %'),
      latency: z.number().min(0).max(100).default(95).describe('Objective on the tap\'s calls: % answered within latency_threshold (the guide\'s P95 < 2000 ms)'),
      latency_threshold: duration().prefault('2s')
        .refine((ms) => CALL_DURATION_BUCKETS_S.some((le) => le * 1000 === ms), { message: `not a bound of the calls' duration histogram, so calls within it cannot be counted exactly. Write one of ${CALL_DURATION_BUCKETS_S.map((le) => formatDuration(le * 1000)).join(', ')}` })
        .describe('The call duration the call latency objective counts as good: a bound of the calls histogram (10ms, 20ms, 50ms, 100ms, 200ms, 500ms, 1s, 2s, 5s, 10s, 30s, 1m, 2m, 5m)'),
    }).strict().prefault({}),
  }).strict().prefault({}),
  schedule: z.object({
    anomalies: cron().default('0 * * * *').describe('When the daemon runs an anomaly pass (cron syntax; "" = never)'),
    validate: cron().default('0 2 * * 0').describe('When the daemon runs the full validation (cron syntax; "" = never)'),
    summary: cron().default('0 7 * * *').describe('When the daemon writes the daily review to <state>/reports'),
    report_weekly: cron().default('0 8 * * 1').describe('When the daemon writes the weekly review'),
    report_monthly: cron().default('0 8 1 * *').describe('When the daemon writes the monthly review'),
    baseline: cron().default('30 3 * * *').describe('When the daemon saves a 60 s measure as a baseline'),
  }).strict().prefault({}),
  validate: z.object({
    disk_free_percent: z.object({
      warning: percent(20, 'Free space (%) of the state and log filesystems below which validate warns'),
      critical: percent(10, 'Free space (%) below which validate is critical'),
    }).strict().prefault({}),
    log_dir_warning: byteSize().prefault('100MB').describe('Size of the hub\'s log dir above which validate warns (never rotated upstream)'),
    accept_exposure: z.string().default('')
      .refine((s) => s === '' || s.trim() !== '', { message: 'write why the hub may listen beyond loopback (e.g. "port firewalled to the VPN, OPS-12"), or leave it out' })
      .describe('Why a hub listening beyond loopback is intended: hub.exposure is then OK with this reason as a note ("" = it warns)'),
  }).strict().prefault({}),
  logs: z.object({
    file: z.string().default('').describe('Hub log file to read ("" = the hub\'s own mcp-hub.log); any of the three formats'),
    command: z.string().default('').describe('Read the hub log from this command\'s output instead (run with sh -c during the window), e.g. "journalctl -u mcp-hub -o cat -f"'),
  }).strict().prefault({}),
  anomalies: z.object({
    window: duration().prefault('10s').describe('How long anomalies samples live (no history store yet)'),
    error_spike: z.object({
      errors: z.number().int().min(1).default(10).describe('Error log lines that make a spike'),
      within: duration().prefault('5m').describe('...within this time'),
    }).strict().prefault({}),
    flapping_cycles: z.number().int().min(1).default(3).describe('Disconnect/reconnect cycles of one server above which it is flapping'),
    cpu_percent: z.number().positive().default(80).describe('Hub plus children CPU (% of one core) above which it is an anomaly'),
    rss: z.object({
      warning: byteSize().prefault('500MB').describe('Hub RSS above which anomalies warns'),
      critical: byteSize().prefault('1GB').describe('Hub RSS above which anomalies is critical'),
    }).strict().prefault({}),
    log_size: byteSize().prefault('100MB').describe('Log file size above which log growth is an anomaly'),
    log_flood: z.object({
      lines_per_second: z.number().positive().default(100).describe('Log lines per second that, with duplicates, make a flood'),
      duplicate_ratio: z.number().min(0).max(1).default(0.5).describe('Share of the most repeated message that makes a flood'),
    }).strict().prefault({}),
    outlier_sigmas: z.number().positive().default(5).describe('Robust standard deviations from the median that make a value an outlier'),
  }).strict().prefault({}),
  anomaly: z.object({
    enabled: z.boolean().default(true).describe('Learn each series\' normal band from the history (health, probe and call latency, call error ratio, hub RSS and CPU, error log lines and reconnects per 5 minutes) and alert (anomaly.<series>) when a share of the recent points is outside it; the tap\'s calls are judged in 5-minute steps of at least calls.min_calls calls. The alerts need alerting.enabled; status shows the bands either way'),
    interval: duration().prefault('5m').describe('How often the daemon judges every series'),
    k: z.number().positive().default(3).describe('Half-width of the band in robust standard deviations (1.4826 × MAD)'),
    min_history: duration().prefault('1d').describe('History a series needs before it has a band; before that it is learning and never alerts'),
    trigger: z.object({
      window: duration().prefault('30m').describe('The window whose points decide that an anomaly alert fires'),
      fraction: z.number().min(0).max(1).default(0.5).describe('Share of the trigger window\'s points outside the band that fires'),
      min_anomalous: z.number().int().min(1).default(3).describe('...and at least this many of them (never from one point)'),
    }).strict().prefault({}),
    recovery: z.object({
      window: duration().prefault('1h').describe('The window whose points decide that a firing anomaly alert resolves'),
      fraction: z.number().min(0).max(1).default(0.1).describe('Share of the recovery window\'s points outside the band at or below which it resolves'),
    }).strict().prefault({}),
    series: z.object({
      health_latency: anomalySeries('health_latency', 'the hub\'s health latency', z.number().min(0).default(5).describe('Least half-width of the band of the health latency (ms)'), 0.1),
      probe_latency: anomalySeries('probe_latency', 'a server\'s probe latency', z.number().min(0).default(5).describe('Least half-width of the band of a probe latency (ms)'), 0.1),
      call_latency: anomalySeries('call_latency', 'the mean latency of a tool\'s calls through the tap', z.number().min(0).default(5).describe('Least half-width of the band of a call latency (ms)'), 0.1),
      error_ratio: anomalySeries('error_ratio', 'the error ratio of a tool\'s calls through the tap', z.number().min(0).max(1).default(0.02).describe('Least half-width of the band of an error ratio (0..1)'), 0),
      rss: anomalySeries('rss', 'the hub\'s resident memory', byteSize().prefault('10MB').describe('Least half-width of the band of the hub\'s RSS'), 0.05),
      cpu: anomalySeries('cpu', 'the CPU of the hub and its children', z.number().min(0).default(5).describe('Least half-width of the band of the hub\'s CPU (percentage points of one core)'), 0.1),
      log_errors: anomalySeries('log_errors', 'the hub\'s error-level log lines per 5 minutes', z.number().min(0).default(3).describe('Least half-width of the band of the error log lines per 5 minutes (a quiet log that blips once does not alarm)'), 0),
      reconnects: anomalySeries('reconnects', 'the reconnects of the hub\'s servers per 5 minutes', z.number().min(0).default(2).describe('Least half-width of the band of the reconnects per 5 minutes (servers back up, hub restarts)'), 0),
    }).strict().prefault({}),
  }).strict().prefault({}),
  levels: z.object({
    success_rate: bands({ yellow: 95, orange: 90, red: 80 }, 'Success rate (%) of the calls through the tap (over calls.window) and of the LLM metrics'),
    p95_latency_ms: bands({ yellow: 1_000, orange: 2_000, red: 5_000 }, 'P95 latency (ms) of the calls through the tap (over calls.window) and of the LLM metrics'),
    cache_hit_rate: bands({ yellow: 80, orange: 60, red: 40 }, 'LLM cache hit rate (%)'),
  }).strict().prefault({}),
}).strict();

export type ConfigInput = z.input<typeof configSchema>;

/**
 * The resolved configuration every command works from: the schema's output (keys as written in the YAML,
 * durations in milliseconds, byte sizes in bytes), secrets resolved, and where it came from (`file`,
 * undefined when the defaults were used).
 */
export type MonitorConfig = z.output<typeof configSchema> & { file?: string };
export type RuleOverride = z.output<ReturnType<typeof ruleOverride>>;
export type RouteStep = z.output<ReturnType<typeof routeSteps>>[number];
export type MaintenanceWindow = MonitorConfig['alerting']['maintenance'][number];
export type CanaryConfig = MonitorConfig['probes']['canaries'][number];
export type RemediationConfig = MonitorConfig['remediation'];
export type AnomalyConfig = MonitorConfig['anomaly'];
