/** The commander program: help, version, usage errors and every command. Built from the option tables. */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CHECK_FORMATS, CHECK_OPTIONS, GLOBAL_OPTIONS } from './options.js';
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

  // The evaluating commands share options and output; each loads its module only when run.
  type Run = (g: ReturnType<typeof resolveGlobalOptions>, f: CheckFormat, opts: Record<string, string | undefined>) => Promise<{ output: string; exitCode: number }>;
  const evaluating: { name: string; description: string; options?: [string, string][]; run: Run }[] = [
    {
      name: 'check',
      description: 'check each hub once against the alert thresholds; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN',
      run: async (g, f) => (await import('./commands/check.js')).runCheck(g, f),
    },
    {
      name: 'validate',
      description: 'validate process, port, API, servers against their config files, config integrity, disk, logs and exposure',
      run: async (g, f) => (await import('./commands/validate.js')).runValidate(g, f),
    },
    {
      name: 'anomalies',
      description: 'watch each hub live for a short window: error spikes, flapping, CPU/RSS, disconnections, log growth and floods, outliers',
      options: [['--window <duration>', 'how long to watch (default: config anomalies.window, 10s)']],
      run: async (g, f, o) => (await import('./commands/anomalies.js')).runAnomalies(g, f, o.window),
    },
  ];
  for (const command of evaluating) {
    const cmd = program.command(command.name).description(command.description);
    for (const spec of CHECK_OPTIONS) {
      cmd.addOption(new Option(spec.flags, spec.description).choices([...CHECK_FORMATS]).default('human'));
    }
    for (const [flags, description] of command.options ?? []) cmd.option(flags, description);
    cmd.action(async (opts: { format: CheckFormat } & Record<string, string | undefined>, c: Command) => {
      const g = resolveGlobalOptions(c.optsWithGlobals<RawGlobalOptions>());
      const run = await command.run(g, g.json ? 'json' : opts.format, opts);
      finish(run.output, run.exitCode);
    });
  }
  return program;
}
