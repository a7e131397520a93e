/**
 * The hot path: an evaluating command (`check`, `validate`, `anomalies`) with well-formed options is parsed
 * here without loading commander (~20 ms of a one-shot start on these machines, measured by
 * bench/check.mjs). Anything else — help, version, an unknown or malformed option — returns undefined and
 * goes through commander, which owns every usage message.
 */
import {
  CHECK_FORMATS, EVALUATING_COMMANDS, FORMAT_OPTION, GLOBAL_OPTIONS, longFlag,
  type CheckFormat, type EvaluatingCommand, type OptionSpec,
} from './options.js';
import type { RawGlobalOptions } from './global-options.js';

export interface FastCommand {
  command: EvaluatingCommand;
  raw: RawGlobalOptions;
  format: CheckFormat;
  /** The command's own options (e.g. anomalies' window, check's expect-daemon). */
  options: Record<string, string | boolean | undefined>;
}

function isEvaluating(name: string | undefined): name is EvaluatingCommand {
  return name !== undefined && Object.prototype.hasOwnProperty.call(EVALUATING_COMMANDS, name);
}

/** Parses `args` (argv after the script) when they are an evaluating command plus known options; else undefined. */
export function parseFastCommand(args: readonly string[]): FastCommand | undefined {
  const command = args.find((a) => !a.startsWith('-') && !GLOBAL_OPTIONS.some((o) => o.takesValue && args[args.indexOf(a) - 1] === longFlag(o)));
  if (!isEvaluating(command)) return undefined;
  const own = [FORMAT_OPTION, ...EVALUATING_COMMANDS[command].options];
  const specs = new Map<string, OptionSpec>([...GLOBAL_OPTIONS, ...own].map((s) => [longFlag(s), s]));
  const values: Record<string, unknown> = {};
  let seenCommand = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) {
      if (seenCommand || arg !== command) return undefined; // a stray argument: let commander say so
      seenCommand = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = specs.get(name);
    if (!spec) return undefined;
    if (!spec.takesValue) {
      if (eq > 0) return undefined;
      values[spec.key] = !longFlag(spec).startsWith('--no-'); // --no-color, --no-probe
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith('-'))) return undefined;
    values[spec.key] = spec.repeatable ? [...((values[spec.key] as string[] | undefined) ?? []), value] : value;
  }
  const format = (values.format as string | undefined) ?? 'human';
  if (!(CHECK_FORMATS as readonly string[]).includes(format)) return undefined;
  const options: Record<string, string | boolean | undefined> = {};
  for (const spec of EVALUATING_COMMANDS[command].options) options[spec.key] = values[spec.key] as string | boolean | undefined;
  const raw: Record<string, unknown> = {};
  for (const spec of GLOBAL_OPTIONS) if (values[spec.key] !== undefined) raw[spec.key] = values[spec.key];
  return { command, raw: raw as RawGlobalOptions, format: format as CheckFormat, options };
}
