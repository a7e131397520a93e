/** The commander program: help, version, usage errors and every command. Built from the option tables. */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CHECK_FORMATS, EVALUATING_COMMANDS, FORMAT_OPTION, GLOBAL_OPTIONS, type EvaluatingCommand } from './options.js';
import { runEvaluating } from './run-evaluating.js';
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
    .action(async (opts: { sse?: boolean; interval?: string; allowNetworkFs?: boolean }, c: Command) => {
      const g = resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>());
      await (await import('./commands/daemon.js')).runDaemon(g, opts);
      finish('', 0);
    });

  program
    .command('status')
    .description('what the daemon is doing: running or not, last poll per hub, database size, gaps in the last 24 h')
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
    .option('--resolution <r>', 'raw, 1m, 1h or auto (raw up to 6 h, 1m up to 7 d)', 'auto')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--limit <n>', 'at most this many rows', '10000')
    .action(async (opts: Record<string, string | boolean | undefined>, c: Command) => {
      const g = resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>());
      const run = await (await import('./commands/history.js')).runHistory(g, opts as never);
      finish(run.output, run.exitCode);
    });

  return program;
}
