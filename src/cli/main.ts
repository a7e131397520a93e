/**
 * The `mcp-hub-monitor` entry point. The evaluating commands with ordinary options take a fast path that
 * never loads commander; everything else goes through the commander program. Commands load lazily.
 */
import { ConfigError, UsageError } from '../config/errors.js';
import { EXIT_CODES } from '../evaluate/types.js';
import { parseFastCommand } from './fast-path.js';
import { runEvaluating } from './run-evaluating.js';
import { resolveGlobalOptions } from './global-options.js';

const UNKNOWN = EXIT_CODES.unknown;

/** Writes output and exits once it is flushed (a pipe to cron or Nagios must get every byte). */
function finish(output: string, code: number): void {
  process.exitCode = code;
  if (output) process.stdout.write(output, () => process.exit(code));
  else process.exit(code);
}

/** Usage and config errors by their stable code: commands live in separate bundles with their own classes. */
const KNOWN_CODES = new Set<unknown>([new UsageError('').code, 'CONFIG_INVALID', 'LOCK_HELD']);
/** The store's and the state dir's errors (store/errors.ts, store/files.ts): one line naming the file, the cause and the fix. */
const KNOWN_PREFIXES = /^(STORE|STATE_DIR)_[A-Z_]+$/;

function fail(err: unknown): never {
  const code = (err as { code?: unknown } | null)?.code;
  const known = err instanceof UsageError || err instanceof ConfigError || KNOWN_CODES.has(code) || (typeof code === 'string' && KNOWN_PREFIXES.test(code));
  const message = known ? (err as Error).message : `internal error: ${(err as Error)?.stack ?? String(err)}`;
  process.stderr.write(`mcp-hub-monitor: ${message}\n`);
  process.exit(UNKNOWN);
}

export async function main(argv: string[]): Promise<void> {
  try {
    const fast = parseFastCommand(argv.slice(2));
    if (fast) {
      const g = resolveGlobalOptions(fast.raw);
      const run = await runEvaluating(fast.command, g, g.json ? 'json' : fast.format, fast.options);
      finish(run.output, run.exitCode);
      return;
    }
    const { CommanderError } = await import('commander');
    const { buildProgram } = await import('./program.js');
    const program = buildProgram(finish);
    if (argv.length <= 2) {
      program.outputHelp();
      process.exit(UNKNOWN);
    }
    try {
      await program.parseAsync(argv);
    } catch (err) {
      if (err instanceof CommanderError) {
        const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
        process.exit(ok ? 0 : UNKNOWN);
      }
      throw err;
    }
  } catch (err) {
    fail(err);
  }
}

void main(process.argv);
