/**
 * The hot path: `check` with well-formed options is parsed here without loading commander (~10 ms of a
 * one-shot start, measured by bench/check.mjs). Anything else — help, version, another command, an unknown
 * or malformed option — returns undefined and goes through commander, which owns every usage message.
 */
import { CHECK_FORMATS, CHECK_OPTIONS, GLOBAL_OPTIONS, longFlag, type CheckFormat, type OptionSpec } from './options.js';
import type { RawGlobalOptions } from './global-options.js';

export interface FastCheck {
  raw: RawGlobalOptions;
  format: CheckFormat;
}

const SPECS = new Map<string, OptionSpec>([...GLOBAL_OPTIONS, ...CHECK_OPTIONS].map((s) => [longFlag(s), s]));

/** Parses `args` (argv after the script) when they are `check` plus known options; else undefined. */
export function parseFastCheck(args: readonly string[]): FastCheck | undefined {
  const values: Record<string, unknown> = {};
  let command: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) {
      if (command !== undefined) return undefined; // a stray argument: let commander say so
      command = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = SPECS.get(name);
    if (!spec) return undefined;
    if (!spec.takesValue) {
      if (eq > 0) return undefined;
      values[spec.key] = spec.key !== 'color';
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith('-'))) return undefined;
    values[spec.key] = spec.repeatable ? [...((values[spec.key] as string[] | undefined) ?? []), value] : value;
  }
  if (command !== 'check') return undefined;
  const format = (values.format as string | undefined) ?? 'human';
  if (!(CHECK_FORMATS as readonly string[]).includes(format)) return undefined;
  delete values.format;
  return { raw: values as RawGlobalOptions, format: format as CheckFormat };
}
