/**
 * The `mcp-hub-monitor` entry point. The commands the table starts without commander (check, validate,
 * anomalies), given ordinary options, take a fast path that never loads commander; everything else goes
 * through the commander program. Commands load lazily.
 */
import { classifyError } from '../errors.js';
import { EXIT_CODES } from '../evaluate/types.js';
import { runCommand } from './commands.js';
import { parseFastCommand } from './fast-path.js';
import { resolveGlobalOptions } from './global-options.js';

const UNKNOWN = EXIT_CODES.unknown;

/** Writes output and exits once it is flushed (a pipe to cron or Nagios must get every byte). */
function finish(output: string, code: number): void {
  process.exitCode = code;
  if (output) process.stdout.write(output, () => process.exit(code));
  else process.exit(code);
}

function fail(err: unknown): never {
  const { exitCode, message } = classifyError(err);
  if (message !== undefined) process.stderr.write(`mcp-hub-monitor: ${message}\n`);
  process.exit(exitCode);
}

export async function main(argv: string[]): Promise<void> {
  try {
    const fast = parseFastCommand(argv.slice(2));
    if (fast) {
      const run = await runCommand(fast.spec, { g: resolveGlobalOptions(fast.raw), args: [], opts: fast.opts });
      finish(run.output, run.exitCode);
      return;
    }
    const { buildProgram } = await import('./program.js');
    const program = buildProgram(finish);
    if (argv.length <= 2) {
      program.outputHelp();
      process.exit(UNKNOWN);
    }
    await program.parseAsync(argv);
  } catch (err) {
    fail(err);
  }
}

void main(process.argv);
