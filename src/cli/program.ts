/** The commander program: help, version, usage errors and every command, built from the command table. */
import { Command, Option } from 'commander';
import { COMMAND_GROUPS, COMMANDS, runCommand, type CommandSpec } from './commands.js';
import { resolveGlobalOptions, type RawGlobalOptions } from './global-options.js';
import { GLOBAL_OPTIONS, type OptionSpec } from './options.js';
import { packageVersion } from './version.js';

/** What a command action asks main to do: print, then exit with the code. */
export type Finish = (output: string, code: number) => void;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function toOption(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.choices) option.choices(spec.choices);
  if (spec.default !== undefined) option.default(spec.default);
  if (spec.repeatable) option.argParser(collect);
  return option;
}

/** The command (and its parent, `silence` for `silence add`) in the program. */
function addCommand(program: Command, spec: CommandSpec): Command {
  const words = spec.name.split(' ');
  let parent = program;
  for (const word of words.slice(0, -1)) {
    parent = parent.commands.find((c) => c.name() === word) ?? parent.command(word).description(COMMAND_GROUPS[word] ?? '');
  }
  const cmd = parent.command(words.at(-1) as string).description(spec.summary);
  for (const arg of spec.args ?? []) cmd.argument(arg.name, arg.description);
  for (const option of spec.options ?? []) cmd.addOption(toOption(option));
  return cmd;
}

export function buildProgram(finish: Finish): Command {
  const program = new Command('mcp-hub-monitor');
  program
    .description('Monitors MCP Hub and tells the truth about it.\nExit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad usage, bad config, internal error).')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help');
  for (const spec of GLOBAL_OPTIONS) program.addOption(toOption(spec));
  program
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(`mcp-hub-monitor: ${str.replace(/^error: /, '').trim()}\n`),
    });

  // One action for every command: commander passes the arguments, then the options, then the command.
  for (const spec of COMMANDS) {
    addCommand(program, spec).action(async (...received: unknown[]) => {
      const cmd = received.at(-1) as Command;
      const g = resolveGlobalOptions(cmd.optsWithGlobals<RawGlobalOptions>());
      const run = await runCommand(spec, { g, args: received.slice(0, -2), opts: received.at(-2) as Record<string, unknown> });
      finish(run.output, run.exitCode);
    });
  }
  return program;
}
