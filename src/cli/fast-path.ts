/**
 * The hot path: a command the table starts without commander (`check`, `validate`, `anomalies`) with
 * well-formed options is parsed here from the same specs (commander costs ~20 ms of a one-shot start on
 * these machines: `npm run bench:fast-path`). Anything else — help, version, an unknown or malformed option,
 * a value not among an option's choices — returns undefined and goes through commander, which owns every
 * usage message.
 */
import { COMMANDS, type CommandSpec } from './commands.js';
import type { RawGlobalOptions } from './global-options.js';
import { GLOBAL_OPTIONS, longFlag, optionKey, takesValue, type OptionSpec } from './options.js';

export interface FastCommand {
  spec: CommandSpec;
  raw: RawGlobalOptions;
  /** The command's own options by key, defaults applied, as commander would give them. */
  opts: Record<string, string | boolean | undefined>;
}

/** Set to 0 to parse every command with commander (the A/B of bench/fast-path.mjs). */
export const FAST_PATH_ENV = 'MHM_FAST_PATH';

const FAST = new Map(COMMANDS.filter((c) => c.startup !== undefined).map((c) => [c.name, c]));

/** The command word: the first argument that is neither an option nor a global option's value. */
function commandWord(args: readonly string[]): string | undefined {
  return args.find((a, i) => !a.startsWith('-') && !GLOBAL_OPTIONS.some((o) => takesValue(o) && args[i - 1] === longFlag(o)));
}

/** Parses `args` (argv after the script) when they are a lean command plus known options; else undefined. */
export function parseFastCommand(args: readonly string[], env: Record<string, string | undefined> = process.env): FastCommand | undefined {
  if (env[FAST_PATH_ENV] === '0') return undefined;
  const name = commandWord(args);
  const spec = name === undefined ? undefined : FAST.get(name);
  if (!spec) return undefined;
  const own: readonly OptionSpec[] = spec.options ?? [];
  const specs = new Map<string, OptionSpec>([...GLOBAL_OPTIONS, ...own].map((s) => [longFlag(s), s]));
  const values: Record<string, unknown> = {};
  let seenCommand = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) {
      if (seenCommand || arg !== name) return undefined; // a stray argument: let commander say so
      seenCommand = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const option = specs.get(eq > 0 ? arg.slice(0, eq) : arg);
    if (!option) return undefined;
    const key = optionKey(option);
    if (!takesValue(option)) {
      if (eq > 0) return undefined;
      values[key] = !longFlag(option).startsWith('--no-'); // --no-color, --no-probe
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith('-'))) return undefined;
    if (option.choices && !option.choices.includes(value)) return undefined;
    values[key] = option.repeatable ? [...((values[key] as string[] | undefined) ?? []), value] : value;
  }
  const opts: Record<string, string | boolean | undefined> = {};
  for (const option of own) opts[optionKey(option)] = (values[optionKey(option)] as string | boolean | undefined) ?? option.default;
  const raw: Record<string, unknown> = {};
  for (const option of GLOBAL_OPTIONS) if (values[optionKey(option)] !== undefined) raw[optionKey(option)] = values[optionKey(option)];
  return { spec, raw: raw as RawGlobalOptions, opts };
}
