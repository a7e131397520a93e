/**
 * The command table: every command once, with its summary, arguments, options, how it starts and the module
 * that runs it. Commander's program (program.ts) is built from it, the fast path (fast-path.ts) parses its
 * lean commands without commander, the bundle (scripts/bundle.mjs) gives each module here its own file, and
 * a test checks that the README documents each command. To add a command: a module in commands/, a line in
 * COMMAND_MODULES, an entry in COMMANDS.
 */
import { UsageError } from '../errors.js';
import type { GlobalOptions } from './global-options.js';
import { FORMAT_OPTION, type ArgSpec, type ArgValues, type CheckFormat, type OptionSpec, type OptionValues } from './options.js';
import type { CommandRun } from './render-result.js';
import { packageVersion } from './version.js';

/** The command modules, each loaded only when one of its commands runs (the bundle makes each its own file). */
export const COMMAND_MODULES = {
  check: () => import('./commands/check.js'),
  validate: () => import('./commands/validate.js'),
  anomalies: () => import('./commands/anomalies.js'),
  daemon: () => import('./commands/daemon.js'),
  reload: () => import('./commands/reload.js'),
  status: () => import('./commands/status.js'),
  history: () => import('./commands/history.js'),
  alerts: () => import('./commands/alerts.js'),
  dashboard: () => import('./commands/dashboard.js'),
  setup: () => import('./commands/setup.js'),
  measure: () => import('./commands/measure.js'),
  baseline: () => import('./commands/baseline.js'),
  report: () => import('./commands/report.js'),
  export: () => import('./commands/export.js'),
  tap: () => import('./commands/tap.js'),
  heal: () => import('./commands/heal.js'),
};
export type ModuleName = keyof typeof COMMAND_MODULES;
type Loaded<M extends ModuleName> = Awaited<ReturnType<(typeof COMMAND_MODULES)[M]>>;

/** What a command is run with: the resolved global options, its arguments and its options. */
export interface Invocation<A extends readonly ArgSpec[] = readonly ArgSpec[], O extends readonly OptionSpec[] = readonly OptionSpec[]> {
  g: GlobalOptions;
  args: ArgValues<A>;
  opts: OptionValues<O>;
}

export interface CommandSpec<M extends ModuleName = ModuleName, A extends readonly ArgSpec[] = readonly ArgSpec[], O extends readonly OptionSpec[] = readonly OptionSpec[]> {
  /** As typed: `check`, `silence add`. */
  name: string;
  summary: string;
  args?: A;
  options?: O;
  /**
   * How it starts. `inline`: parsed without commander and bundled into main.cjs (`check`, run by cron
   * thousands of times a day); `fast`: parsed without commander, its module in a file of its own;
   * absent: through commander. A command that starts without commander takes no arguments.
   */
  startup?: 'inline' | 'fast';
  module: M;
  /** Runs the command: what to print and the exit code. */
  run(m: Loaded<M>, inv: Invocation<A, O>): Promise<CommandRun> | CommandRun;
}

/** An entry of the table, its types inferred from its specs. */
function command<M extends ModuleName, const A extends readonly ArgSpec[] = [], const O extends readonly OptionSpec[] = []>(spec: CommandSpec<M, A, O>): CommandSpec<M, A, O> {
  return spec;
}

/** The parent commands of `silence add`, `baseline list`, …: their help line. */
export const COMMAND_GROUPS: Record<string, string> = {
  silence: 'mute notifications of matching alerts for a while (add, list, expire)',
  baseline: 'baselines saved by measure: list, show <name>, compare <A> <B>, pin [name]',
};

/** The evaluating commands print a CheckResult in --format, or JSON under --json. */
const format = (inv: { g: GlobalOptions; opts: { format?: string } }): CheckFormat => (inv.g.json ? 'json' : inv.opts.format ?? 'human') as CheckFormat;
const done = { output: '', exitCode: 0 };

const REPORT_OPTIONS = [
  { flags: '--format <format>', description: 'md, html (one self-contained file) or json', default: 'md' },
  { flags: '--output <file>', description: 'write to this file atomically (Markdown: its SVG charts beside it) instead of stdout' },
  { flags: '--at <time>', description: 'end of the period, an ISO time (default: now)' },
  { flags: '--save', description: 'write it into <state-dir>/reports as <kind>-<date>.md with its charts (what the daemon\'s schedule runs)' },
] as const;

export const COMMANDS: readonly CommandSpec[] = [
  command({
    name: 'check', module: 'check', startup: 'inline',
    summary: 'check each hub once against the alert thresholds; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN',
    options: [
      FORMAT_OPTION,
      { flags: '--expect-daemon', description: 'also warn when the daemon is not running or not recording (dead-man check for cron)' },
      { flags: '--daemon', description: 'like --expect-daemon, but CRITICAL when the daemon is not running or has stopped collecting' },
      { flags: '--probe', description: 'also make a read-only MCP round trip to each connected server through the hub (catches dead and hung children the hub calls connected)' },
    ],
    run: (m, inv) => m.runCheck(inv.g, format(inv), {
      expectDaemon: inv.opts.expectDaemon === true || inv.opts.daemon === true, daemonCritical: inv.opts.daemon === true, probe: inv.opts.probe === true,
    }),
  }),
  command({
    name: 'validate', module: 'validate', startup: 'fast',
    summary: 'validate process, port, API, servers (with a round trip to each through the hub) against their config files, config integrity, disk, logs and exposure',
    options: [FORMAT_OPTION, { flags: '--no-probe', description: 'skip the read-only MCP round trip to each connected server through the hub' }],
    run: (m, inv) => m.runValidate(inv.g, format(inv), { probe: inv.opts.probe !== false }),
  }),
  command({
    name: 'anomalies', module: 'anomalies', startup: 'fast',
    summary: 'watch each hub live for a short window: error spikes, flapping, CPU/RSS, disconnections, log growth and floods, outliers',
    options: [FORMAT_OPTION, { flags: '--window <duration>', description: 'how long to watch (default: config anomalies.window, 10s)' }],
    run: (m, inv) => m.runAnomalies(inv.g, format(inv), inv.opts.window),
  }),
  command({
    name: 'daemon', module: 'daemon',
    summary: 'collect continuously: poll every hub (and listen to its SSE stream), keep history in the state dir; runs until SIGTERM',
    options: [
      { flags: '--no-sse', description: 'poll only: do not hold an SSE connection (an SSE client keeps an --auto-shutdown hub alive)' },
      { flags: '--interval <duration>', description: 'poll period per hub (default: config collect.interval, 5s)' },
      { flags: '--allow-network-fs', description: 'allow a state dir on NFS/CIFS (SQLite locking is unreliable there)' },
      { flags: '--listen <host:port>', description: 'serve /metrics, the JSON API and the live stream (default: config http.listen; off)' },
    ],
    run: async (m, { g, opts }) => { await m.runDaemon(g, opts); return done; },
  }),
  command({
    name: 'tap', module: 'tap', startup: 'fast',
    summary: 'a transparent reverse proxy in front of one hub that records every tool call it forwards (server, tool, client, duration, outcome; never arguments or results) for the daemon; runs until SIGTERM',
    options: [
      { flags: '--listen <host:port>', description: 'where clients connect instead of the hub (default: config tap.listen); loopback unless tap.token is set' },
      { flags: '--pass-through', description: 'forward only: parse nothing, record nothing (what observation costs is the difference)' },
    ],
    run: async (m, { g, opts }) => { await m.runTap(g, { listen: opts.listen, passThrough: opts.passThrough === true }); return done; },
  }),
  command({
    name: 'reload', module: 'reload',
    summary: 'make the running daemon load its config file again (SIGHUP) and say whether it took: a broken file names the key, and the daemon keeps its previous config',
    run: (m, { g }) => m.runReload(g),
  }),
  command({
    name: 'status', module: 'status',
    summary: 'what the daemon is doing: running or not, per hub the last poll, level, firing alerts and SLO budgets, outbox, database size, gaps in the last 24 h',
    options: [{ flags: '--fleet', description: 'the watched hubs side by side over fleet.window (level, availability, health latency, error ratio, servers, restarts) and the hubs that stand out (fleet.outlier)' }],
    run: (m, { g, opts }) => (opts.fleet === true ? m.runFleetStatus(g) : m.runStatus(g)),
  }),
  command({
    name: 'history', module: 'history',
    summary: 'stored series and events for a time range, as CSV or JSON (lists the series when none is named)',
    options: [
      { flags: '--series <name>', description: 'e.g. hub.up, hub.health_latency_ms, server.up, server.uptime_s' },
      { flags: '--server <name>', description: 'only this server\'s series' },
      { flags: '--events [type]', description: 'events instead of samples (optionally of one type, e.g. server_dead)' },
      { flags: '--since <time>', description: 'start: a duration ago (1h, 7d) or an ISO time', default: '1h' },
      { flags: '--until <time>', description: 'end: a duration ago or an ISO time (default: now)' },
      { flags: '--resolution <r>', description: 'raw, 1m, 1h or auto (raw up to 6 h, 1m up to 7 d); the CSV header says which (time, bucket_1m, bucket_1h)', default: 'auto' },
      { flags: '--format <format>', description: 'csv or json', default: 'csv' },
      { flags: '--limit <n>', description: 'at most this many rows', default: '10000' },
      { flags: '--output <file>', description: 'write to this file atomically instead of stdout, the hub strings as stored (on stdout their control and bidi characters are shown escaped)' },
    ],
    run: (m, { g, opts }) => m.runHistory(g, opts),
  }),
  command({
    name: 'alerts', module: 'alerts',
    summary: 'open alerts (pending, firing) from the daemon; --all adds those resolved in the last 24 h. Exit 2 if a critical fires, 1 a warning',
    options: [{ flags: '--all', description: 'also list alerts resolved in the last 24 h' }],
    run: (m, { g, opts }) => m.runAlerts(g, opts),
  }),
  command({
    name: 'ack', module: 'alerts', args: [{ name: '<id>' }],
    summary: 'acknowledge a firing alert: no reminders and no further escalation steps for it',
    options: [{ flags: '--comment <text>', description: 'why, or who is on it' }],
    run: (m, { g, args: [id], opts }) => m.runAck(g, id, opts),
  }),
  command({
    name: 'silence add', module: 'alerts', args: [{ name: '<matchers...>' }],
    summary: 'add a silence: label matchers name=value, name!=value, name=~regex, name!~regex (labels: hub, server, tool, rule, severity)',
    options: [
      { flags: '--duration <duration>', description: 'how long (e.g. 30m, 2h)', default: '2h' },
      { flags: '--comment <text>', description: 'why' },
    ],
    run: (m, { g, args: [matchers], opts }) => m.runSilenceAdd(g, matchers, opts),
  }),
  command({
    name: 'silence list', module: 'alerts',
    summary: 'active and scheduled silences',
    run: (m, { g }) => m.runSilenceList(g),
  }),
  command({
    name: 'silence expire', module: 'alerts', args: [{ name: '<id>' }],
    summary: 'end a silence now',
    run: (m, { g, args: [id] }) => m.runSilenceExpire(g, id),
  }),
  command({
    name: 'notify', module: 'alerts',
    args: [{ name: '<action>', description: 'test' }, { name: '<receiver>', description: 'a receiver name from alerting.receivers' }],
    summary: 'notification receivers: `notify test <receiver>` sends one test message and reports the outcome',
    run: (m, { g, args: [action, receiver] }) => {
      if (action !== 'test') throw new UsageError(`notify: unknown action ${JSON.stringify(action)}; use: notify test <receiver>`);
      return m.runNotifyTest(g, receiver);
    },
  }),
  command({
    name: 'heal', module: 'heal', args: [{ name: '<server>' }],
    summary: 'stop and start a server through its hub (--hub), then probe it: what remediation does, by hand, recorded in the history as a `remediation` event. Exit 0 healed, 2 failed, 3 usage (an unknown server lists the hub\'s servers)',
    options: [{ flags: '--dry-run', description: 'say what would be done and record that; change nothing' }],
    run: (m, { g, args: [server], opts }) => m.runHeal(g, server, { dryRun: opts.dryRun === true }),
  }),
  command({
    name: 'dashboard', module: 'dashboard',
    summary: 'live terminal view of every hub: state, level, servers (dead-while-connected too), CPU/RSS sparklines, LLM metrics, alerts, events; f the fleet table (hubs side by side, outliers marked); q quits',
    options: [
      { flags: '--interval <duration>', description: 'refresh period', default: '5s' },
      { flags: '--no-sse', description: 'poll only (an SSE client keeps an --auto-shutdown hub alive); used when no daemon history exists' },
    ],
    run: async (m, { g, opts }) => ({ output: '', exitCode: await m.runDashboard(g, opts) }),
  }),
  command({
    name: 'setup', module: 'setup',
    summary: 'install the monitor: dirs, a commented default config, and the daemon as a systemd user service or a cron line (flock -n); idempotent',
    options: [
      { flags: '--mode <mode>', description: 'auto (systemd when a user session exists, else cron), systemd or cron', default: 'auto' },
      { flags: '--print', description: 'show what would be installed; change nothing' },
      { flags: '--uninstall', description: 'remove exactly what setup installed (the history stays)' },
      { flags: '--force', description: 'replace an existing config file (a backup is kept)' },
      { flags: '--tap <host:port>', description: 'also install the traffic tap listening there, in front of the one --hub (a unit mcp-hub-monitor-tap.service, or a cron line)' },
    ],
    run: (m, { g, opts }) => m.runSetup(g, opts),
  }),
  command({
    name: 'measure', module: 'measure',
    summary: 'measure each hub for a while and save a baseline (Markdown + JSON) in <state-dir>/baselines/; exit 0 OK, 1 WARNING (health p95 over slo.latency_threshold, an LLM threshold), 2 CRITICAL (over 10% of health requests failed). --timeout is per request here',
    options: [
      { flags: '--duration <duration>', description: 'how long to measure', default: '60s' },
      { flags: '--interval <duration>', description: 'one health request per hub every <interval>, on a drift-free schedule', default: '500ms' },
      { flags: '--probe-every <duration>', description: 'MCP round trip to each connected server through the hub, and the LLM metrics and process samples, every <duration> (default: 5s, at least --interval)' },
      { flags: '--name <name>', description: 'baseline name: letters, digits, . _ - (default: the start time, e.g. 2026-11-25T09-40-00Z)' },
    ],
    run: (m, { g, opts }) => m.runMeasure(g, opts, packageVersion()),
  }),
  command({
    name: 'baseline list', module: 'baseline',
    summary: 'the baselines in <state-dir>/baselines/, oldest first; the pinned one is marked *',
    run: (m, { g }) => m.runBaselineList(g),
  }),
  command({
    name: 'baseline show', module: 'baseline', args: [{ name: '<name>' }],
    summary: 'one baseline as Markdown (--json: its JSON document with every raw sample); <name>, pinned (the pinned one) or a path to its .json',
    run: (m, { g, args: [name] }) => m.runBaselineShow(g, name),
  }),
  command({
    name: 'baseline compare', module: 'baseline', args: [{ name: '<A>' }, { name: '<B>' }],
    summary: 'B against A, metric by metric: faster, slower or no significant change (bootstrap CI of the difference of medians and Mann-Whitney U must agree), with the effect size. Exit 1 when a latency is significantly slower with the CI\'s lower end beyond --tolerance',
    options: [
      { flags: '--tolerance <percent>', description: 'slowdown allowed before exit 1, e.g. 10% or 0.1', default: '10%' },
      { flags: '--alpha <p>', description: 'significance level of both tests', default: '0.05' },
    ],
    run: (m, { g, args: [a, b], opts }) => m.runBaselineCompare(g, a, b, opts),
  }),
  command({
    name: 'baseline pin', module: 'baseline', args: [{ name: '[name]' }],
    summary: 'pin a saved baseline: the daemon\'s regression detection and the reports compare against it (--clear unpins; no name: say which is pinned)',
    options: [{ flags: '--clear', description: 'unpin' }],
    run: (m, { g, args: [name], opts }) => m.runBaselinePin(g, name, opts),
  }),
  command({
    name: 'summary', module: 'report',
    summary: 'daily review from the stored history: the last 24 h against the 24 h before (availability, SLOs, incidents, errors, trends)',
    options: REPORT_OPTIONS,
    run: (m, { g, opts }) => m.runReport(g, 'daily', opts),
  }),
  command({
    name: 'report', module: 'report', args: [{ name: '<period>' }],
    summary: 'weekly or monthly review from the stored history, against the period before and the pinned baseline',
    options: REPORT_OPTIONS,
    run: (m, { g, args: [period], opts }) => {
      if (period !== 'weekly' && period !== 'monthly') throw new UsageError(`report: unknown period ${JSON.stringify(period)}; use: report weekly, report monthly (or summary for the last 24 h)`);
      return m.runReport(g, period, opts);
    },
  }),
  command({
    name: 'export', module: 'export', args: [{ name: '<what>' }],
    summary: 'the daemon\'s alerting, SLOs and views for other tools: prometheus (rules, scrape job, Sloth SLOs), grafana (dashboard JSON), alertmanager (webhook receiver + route)',
    options: [
      { flags: '--output-dir <dir>', description: 'prometheus: write mcp-hub-monitor.rules.yml, scrape.yml and slo-sloth.yml there instead of stdout' },
      { flags: '--output <file>', description: 'grafana, alertmanager: write to this file instead of stdout' },
      { flags: '--scrape-interval <duration>', description: 'prometheus: how often Prometheus scrapes the daemon (default: config collect.interval, 5s)' },
    ],
    run: (m, { g, args: [what], opts }) => m.runExport(g, what, opts),
  }),
];

/** What the parsers give a command: its arguments in order and its options by key (typed by its specs). */
export interface ParsedInvocation {
  g: GlobalOptions;
  args: readonly unknown[];
  opts: Readonly<Record<string, unknown>>;
}

/** Runs a command: loads its module, then runs it with what commander or the fast path parsed from its specs. */
export async function runCommand(spec: CommandSpec, inv: ParsedInvocation): Promise<CommandRun> {
  // The table's types tie each run to its module and specs; here the entry is any entry.
  return spec.run(await COMMAND_MODULES[spec.module]() as never, inv as never);
}
