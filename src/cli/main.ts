/**
 * The `mcp-hub-monitor` command line. Commands load their modules lazily (`await import`), so `check`
 * never pays for what other commands need.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { resolveGlobalOptions, type RawGlobalOptions } from './global-options.js';
import { ConfigError, UsageError } from '../config/errors.js';
import { EXIT_CODES } from '../evaluate/types.js';

const UNKNOWN = EXIT_CODES.unknown;
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Writes output and exits once it is flushed (a pipe to cron or Nagios must get every byte). */
function finish(output: string, code: number): void {
  process.exitCode = code;
  if (output) process.stdout.write(output, () => process.exit(code));
  else process.exit(code);
}

function fail(err: unknown): never {
  const known = err instanceof UsageError || err instanceof ConfigError;
  const message = known ? (err as Error).message : `internal error: ${(err as Error)?.stack ?? String(err)}`;
  process.stderr.write(`mcp-hub-monitor: ${message}\n`);
  process.exit(UNKNOWN);
}

export function buildProgram(): Command {
  const program = new Command('mcp-hub-monitor');
  program
    .description('Monitors MCP Hub and tells the truth about it.\nExit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad usage, bad config, internal error).')
    .version(pkg.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--hub <url>', 'hub base URL; repeatable (default: config, MCP_HUB_URL, live hubs in workspaces.json, http://127.0.0.1:7000)', collect)
    .option('--config <file>', 'config file (default: $XDG_CONFIG_HOME/mcp-hub-monitor/config.yaml; absent = defaults)')
    .option('--state-dir <dir>', 'state directory (default: $XDG_STATE_HOME/mcp-hub/monitoring)')
    .option('--json', 'print one JSON document on stdout and nothing else there')
    .option('--no-color', 'no colour (also when NO_COLOR is set or stdout is not a terminal)')
    .option('--timeout <duration>', 'total deadline for hub requests, e.g. 5s, 1500ms (default: 5s)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(`mcp-hub-monitor: ${str.replace(/^error: /, '').trim()}\n`),
    });

  program
    .command('check')
    .description('check each hub once against the alert thresholds; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN')
    .addOption(new Option('--format <format>', 'output format').choices(['human', 'json', 'nagios']).default('human'))
    .action(async (opts: { format: 'human' | 'json' | 'nagios' }, cmd: Command) => {
      const g = resolveGlobalOptions(cmd.optsWithGlobals<RawGlobalOptions>());
      const { runCheck } = await import('./commands/check.js');
      const run = await runCheck(g, g.json ? 'json' : opts.format);
      finish(run.output, run.exitCode);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      process.exit(UNKNOWN);
    }
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      process.exit(ok ? 0 : UNKNOWN);
    }
    fail(err);
  }
}

await main(process.argv);
