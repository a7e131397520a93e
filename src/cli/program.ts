/** The commander program: help, version, usage errors and every command. Built from the option tables. */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CHECK_FORMATS, EVALUATING_COMMANDS, FORMAT_OPTION, GLOBAL_OPTIONS, type EvaluatingCommand } from './options.js';
import { runEvaluating } from './run-evaluating.js';
import { UsageError } from '../errors.js';
import { resolveGlobalOptions, type RawGlobalOptions } from './global-options.js';
import type { CheckFormat } from './options.js';

/** What a command action asks main to do: print, then exit with the code. */
export type Finish = (output: string, code: number) => void;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function buildProgram(finish: Finish): Command {
  const program = new Command('mcp-hub-monitor');
  program
    .description('Monitors MCP Hub and tells the truth about it.\nExit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad usage, bad config, internal error).')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help');
  for (const spec of GLOBAL_OPTIONS) {
    if (spec.repeatable) program.option(spec.flags, spec.description, collect);
    else program.option(spec.flags, spec.description);
  }
  program
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(`mcp-hub-monitor: ${str.replace(/^error: /, '').trim()}\n`),
    });

  // The evaluating commands share options and output (the same table drives the fast path).
  for (const [name, command] of Object.entries(EVALUATING_COMMANDS) as [EvaluatingCommand, (typeof EVALUATING_COMMANDS)[EvaluatingCommand]][]) {
    const cmd = program.command(name).description(command.description);
    cmd.addOption(new Option(FORMAT_OPTION.flags, FORMAT_OPTION.description).choices([...CHECK_FORMATS]).default('human'));
    for (const spec of command.options) cmd.option(spec.flags, spec.description);
    cmd.action(async (opts: { format: CheckFormat } & Record<string, string | boolean | undefined>, c: Command) => {
      const g = resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>());
      const run = await runEvaluating(name, g, g.json ? 'json' : opts.format, opts);
      finish(run.output, run.exitCode);
    });
  }
  program
    .command('daemon')
    .description('collect continuously: poll every hub (and listen to its SSE stream), keep history in the state dir; runs until SIGTERM')
    .option('--no-sse', 'poll only: do not hold an SSE connection (an SSE client keeps an --auto-shutdown hub alive)')
    .option('--interval <duration>', 'poll period per hub (default: config collect.interval, 5s)')
    .option('--allow-network-fs', 'allow a state dir on NFS/CIFS (SQLite locking is unreliable there)')
    .option('--listen <host:port>', 'serve /metrics, the JSON API and the live stream (default: config http.listen; off)')
    .action(async (opts: { sse?: boolean; interval?: string; allowNetworkFs?: boolean; listen?: string }, c: Command) => {
      const g = resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>());
      await (await import('./commands/daemon.js')).runDaemon(g, opts);
      finish('', 0);
    });

  program
    .command('reload')
    .description('make the running daemon load its config file again (SIGHUP) and say whether it took: a broken file names the key, and the daemon keeps its previous config')
    .action(async (_opts: unknown, c: Command) => {
      const g = resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>());
      const run = await (await import('./commands/reload.js')).runReload(g);
      finish(run.output, run.exitCode);
    });

  program
    .command('status')
    .description('what the daemon is doing: running or not, per hub the last poll, level, firing alerts and SLO budgets, outbox, database size, gaps in the last 24 h')
    .action(async (_opts: unknown, c: Command) => {
      const g = resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>());
      const run = await (await import('./commands/status.js')).runStatus(g);
      finish(run.output, run.exitCode);
    });

  program
    .command('history')
    .description('stored series and events for a time range, as CSV or JSON (lists the series when none is named)')
    .option('--series <name>', 'e.g. hub.up, hub.health_latency_ms, server.up, server.uptime_s')
    .option('--server <name>', 'only this server\'s series')
    .option('--events [type]', 'events instead of samples (optionally of one type, e.g. server_dead)')
    .option('--since <time>', 'start: a duration ago (1h, 7d) or an ISO time', '1h')
    .option('--until <time>', 'end: a duration ago or an ISO time (default: now)')
    .option('--resolution <r>', 'raw, 1m, 1h or auto (raw up to 6 h, 1m up to 7 d); the CSV header says which (time, bucket_1m, bucket_1h)', 'auto')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--limit <n>', 'at most this many rows', '10000')
    .option('--output <file>', 'write to this file atomically instead of stdout, the hub strings as stored (on stdout their control and bidi characters are shown escaped)')
    .action(async (opts: Record<string, string | boolean | undefined>, c: Command) => {
      const g = resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>());
      const run = await (await import('./commands/history.js')).runHistory(g, opts as never);
      finish(run.output, run.exitCode);
    });

  const alertsCmd = () => import('./commands/alerts.js');
  program
    .command('alerts')
    .description('open alerts (pending, firing) from the daemon; --all adds those resolved in the last 24 h. Exit 2 if a critical fires, 1 a warning')
    .option('--all', 'also list alerts resolved in the last 24 h')
    .action(async (opts: { all?: boolean }, c: Command) => {
      const g = resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>());
      const run = await (await alertsCmd()).runAlerts(g, opts);
      finish(run.output, run.exitCode);
    });
  program
    .command('ack <id>')
    .description('acknowledge a firing alert: no reminders and no further escalation steps for it')
    .option('--comment <text>', 'why, or who is on it')
    .action(async (id: string, opts: { comment?: string }, c: Command) => {
      const run = await (await alertsCmd()).runAck(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()), id, opts);
      finish(run.output, run.exitCode);
    });
  const silence = program.command('silence').description('mute notifications of matching alerts for a while (add, list, expire)');
  silence
    .command('add <matchers...>')
    .description('add a silence: label matchers name=value, name!=value, name=~regex, name!~regex (labels: hub, server, tool, rule, severity)')
    .option('--duration <duration>', 'how long (e.g. 30m, 2h)', '2h')
    .option('--comment <text>', 'why')
    .action(async (matchers: string[], opts: { duration?: string; comment?: string }, c: Command) => {
      const run = await (await alertsCmd()).runSilenceAdd(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()), matchers, opts);
      finish(run.output, run.exitCode);
    });
  silence
    .command('list')
    .description('active and scheduled silences')
    .action(async (_o: unknown, c: Command) => {
      const run = await (await alertsCmd()).runSilenceList(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()));
      finish(run.output, run.exitCode);
    });
  silence
    .command('expire <id>')
    .description('end a silence now')
    .action(async (id: string, _o: unknown, c: Command) => {
      const run = await (await alertsCmd()).runSilenceExpire(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()), id);
      finish(run.output, run.exitCode);
    });
  program
    .command('notify')
    .description('notification receivers: `notify test <receiver>` sends one test message and reports the outcome')
    .argument('<action>', 'test')
    .argument('<receiver>', 'a receiver name from alerting.receivers')
    .action(async (action: string, receiver: string, _o: unknown, c: Command) => {
      if (action !== 'test') throw new UsageError(`notify: unknown action ${JSON.stringify(action)}; use: notify test <receiver>`);
      const run = await (await alertsCmd()).runNotifyTest(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()), receiver);
      finish(run.output, run.exitCode);
    });

  program
    .command('dashboard')
    .description('live terminal view of every hub: state, level, servers (dead-while-connected too), CPU/RSS sparklines, LLM metrics, alerts, events; q quits')
    .option('--interval <duration>', 'refresh period', '5s')
    .option('--no-sse', 'poll only (an SSE client keeps an --auto-shutdown hub alive); used when no daemon history exists')
    .action(async (opts: { interval?: string; sse?: boolean }, c: Command) => {
      const code = await (await import('./commands/dashboard.js')).runDashboard(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()), opts);
      finish('', code);
    });
  program
    .command('setup')
    .description('install the monitor: dirs, a commented default config, and the daemon as a systemd user service or a cron line (flock -n); idempotent')
    .option('--mode <mode>', 'auto (systemd when a user session exists, else cron), systemd or cron', 'auto')
    .option('--print', 'show what would be installed; change nothing')
    .option('--uninstall', 'remove exactly what setup installed (the history stays)')
    .option('--force', 'replace an existing config file (a backup is kept)')
    .action(async (opts: Record<string, string | boolean | undefined>, c: Command) => {
      const run = await (await import('./commands/setup.js')).runSetup(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()), opts as never);
      finish(run.output, run.exitCode);
    });

  program
    .command('measure')
    .description('measure each hub for a while and save a baseline (Markdown + JSON) in <state-dir>/baselines/; exit 0 OK, 1 WARNING (health p95 over slo.latency_threshold, an LLM threshold), 2 CRITICAL (over 10% of health requests failed). --timeout is per request here')
    .option('--duration <duration>', 'how long to measure', '60s')
    .option('--interval <duration>', 'one health request per hub every <interval>, on a drift-free schedule', '500ms')
    .option('--probe-every <duration>', 'MCP round trip to each connected server through the hub, and the LLM metrics and process samples, every <duration> (default: 5s, at least --interval)')
    .option('--name <name>', 'baseline name: letters, digits, . _ - (default: the start time, e.g. 2026-11-25T09-40-00Z)')
    .action(async (opts: { duration?: string; interval?: string; probeEvery?: string; name?: string }, c: Command) => {
      const run = await (await import('./commands/measure.js')).runMeasure(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()), opts, packageVersion());
      finish(run.output, run.exitCode);
    });
  const baseline = program.command('baseline').description('baselines saved by measure: list, show <name>, compare <A> <B>, pin [name]');
  const baselineCmd = () => import('./commands/baseline.js');
  baseline
    .command('list')
    .description('the baselines in <state-dir>/baselines/, oldest first; the pinned one is marked *')
    .action(async (_o: unknown, c: Command) => {
      const run = (await baselineCmd()).runBaselineList(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()));
      finish(run.output, run.exitCode);
    });
  baseline
    .command('show <name>')
    .description('one baseline as Markdown (--json: its JSON document with every raw sample); <name>, pinned (the pinned one) or a path to its .json')
    .action(async (name: string, _o: unknown, c: Command) => {
      const run = (await baselineCmd()).runBaselineShow(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()), name);
      finish(run.output, run.exitCode);
    });
  baseline
    .command('compare <A> <B>')
    .description('B against A, metric by metric: faster, slower or no significant change (bootstrap CI of the difference of medians and Mann-Whitney U must agree), with the effect size. Exit 1 when a latency is significantly slower with the CI\'s lower end beyond --tolerance')
    .option('--tolerance <percent>', 'slowdown allowed before exit 1, e.g. 10% or 0.1', '10%')
    .option('--alpha <p>', 'significance level of both tests', '0.05')
    .action(async (a: string, b: string, opts: { tolerance?: string; alpha?: string }, c: Command) => {
      const run = (await baselineCmd()).runBaselineCompare(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()), a, b, opts);
      finish(run.output, run.exitCode);
    });

  baseline
    .command('pin [name]')
    .description('pin a saved baseline: the daemon\'s regression detection and the reports compare against it (--clear unpins; no name: say which is pinned)')
    .option('--clear', 'unpin')
    .action(async (name: string | undefined, opts: { clear?: boolean }, c: Command) => {
      const run = await (await baselineCmd()).runBaselinePin(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()), name, opts);
      finish(run.output, run.exitCode);
    });

  // Reports from the stored history: summary (last 24 h) and report weekly|monthly.
  const reportCmd = () => import('./commands/report.js');
  const reportOptions = (cmd: Command) => cmd
    .option('--format <format>', 'md, html (one self-contained file) or json', 'md')
    .option('--output <file>', 'write to this file atomically (Markdown: its SVG charts beside it) instead of stdout')
    .option('--at <time>', 'end of the period, an ISO time (default: now)')
    .option('--save', 'write it into <state-dir>/reports as <kind>-<date>.md with its charts (what the daemon\'s schedule runs)');
  reportOptions(program.command('summary')
    .description('daily review from the stored history: the last 24 h against the 24 h before (availability, SLOs, incidents, errors, trends)'))
    .action(async (opts: { format?: string; output?: string; at?: string; save?: boolean }, c: Command) => {
      const run = await (await reportCmd()).runReport(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()), 'daily', opts);
      finish(run.output, run.exitCode);
    });
  reportOptions(program.command('report <period>')
    .description('weekly or monthly review from the stored history, against the period before and the pinned baseline'))
    .action(async (period: string, opts: { format?: string; output?: string; at?: string; save?: boolean }, c: Command) => {
      if (period !== 'weekly' && period !== 'monthly') throw new UsageError(`report: unknown period ${JSON.stringify(period)}; use: report weekly, report monthly (or summary for the last 24 h)`);
      const run = await (await reportCmd()).runReport(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()), period, opts);
      finish(run.output, run.exitCode);
    });

  program
    .command('export <what>')
    .description('the daemon\'s alerting, SLOs and views for other tools: prometheus (rules, scrape job, Sloth SLOs), grafana (dashboard JSON), alertmanager (webhook receiver + route)')
    .option('--output-dir <dir>', 'prometheus: write mcp-hub-monitor.rules.yml, scrape.yml and slo-sloth.yml there instead of stdout')
    .option('--output <file>', 'grafana, alertmanager: write to this file instead of stdout')
    .option('--scrape-interval <duration>', 'prometheus: how often Prometheus scrapes the daemon (default: config collect.interval, 5s)')
    .action(async (what: string, opts: { outputDir?: string; output?: string; scrapeInterval?: string }, c: Command) => {
      const run = await (await import('./commands/export.js')).runExport(resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>()), what, opts);
      finish(run.output, run.exitCode);
    });

  return program;
}
