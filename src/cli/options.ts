/**
 * Options as the command table (commands.ts) declares them, and the global options every command shares.
 * Commander builds `--help` and parsing from these specs; the fast path (fast-path.ts) parses the same specs
 * without loading commander. An option's key and value type follow from its flags, as commander derives
 * them: `--state-dir <dir>` is `stateDir: string`, `--no-color` is `color: boolean`, `--events [type]` is
 * `events: string | boolean`.
 */

export interface OptionSpec {
  /** commander flags, e.g. `--hub <url>`, `--no-sse`, `--events [type]`. */
  flags: string;
  description: string;
  /** The value when the option is not given (commander shows it in --help). */
  default?: string;
  /** The only values accepted. */
  choices?: readonly string[];
  /** May be given more than once; the values are collected in order. */
  repeatable?: boolean;
}

/** A positional argument in commander's syntax: `<id>`, `[name]`, `<matchers...>`. */
export interface ArgSpec {
  name: string;
  description?: string;
}

type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
type FlagName<F extends string> = F extends `--${infer N} ${string}` ? N : F extends `--${infer N}` ? N : never;
/** `--state-dir <dir>` → `stateDir`; `--no-sse` → `sse`. */
type OptionKey<F extends string> = FlagName<F> extends `no-${infer N}` ? Camel<N> : Camel<FlagName<F>>;
type OptionValue<S extends OptionSpec> = S extends { repeatable: true } ? string[]
  : S['flags'] extends `${string} <${string}>` ? string
    : S['flags'] extends `${string} [${string}]` ? string | boolean
      : boolean;
/** The parsed options of a command, typed from its specs. */
export type OptionValues<O extends readonly OptionSpec[]> = { [S in O[number] as OptionKey<S['flags']>]?: OptionValue<S> };

type ArgValue<N extends string> = N extends `${string}...${']' | '>'}` ? string[] : N extends `<${string}>` ? string : string | undefined;
/** The positional arguments of a command, typed from its specs. */
export type ArgValues<A extends readonly ArgSpec[]> = { -readonly [K in keyof A]: A[K] extends ArgSpec ? ArgValue<A[K]['name']> : never };

/** The long flag of a spec: `--hub <url>` → `--hub`. */
export function longFlag(spec: OptionSpec): string {
  return spec.flags.split(' ')[0] as string;
}

/** Whether the option takes a value (`<value>` or an optional `[value]`). */
export function takesValue(spec: OptionSpec): boolean {
  return / [<[]/.test(spec.flags);
}

/** The key of the option in the parsed options, as commander names it. */
export function optionKey(spec: OptionSpec): string {
  return longFlag(spec).replace(/^--(no-)?/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

export const GLOBAL_OPTIONS = [
  { flags: '--hub <url>', repeatable: true, description: 'hub base URL; repeat for several hubs (default: config hubs, then MCP_HUB_URL (comma-separated), then live hubs in workspaces.json, then http://127.0.0.1:7000)' },
  { flags: '--config <file>', description: 'config file (default: $XDG_CONFIG_HOME/mcp-hub-monitor/config.yaml; an absent default file means defaults, an absent --config file is an error)' },
  { flags: '--state-dir <dir>', description: 'state directory (default: $XDG_STATE_HOME/mcp-hub/monitoring)' },
  { flags: '--json', description: 'print one JSON document on stdout and nothing else there' },
  { flags: '--no-color', description: 'no colour (also off when NO_COLOR is set or stdout is not a terminal)' },
  { flags: '--timeout <duration>', description: 'total deadline for the command\'s hub requests, counted from process start, e.g. 5s, 1500ms (default: 5s)' },
] as const satisfies readonly OptionSpec[];

/** Output formats of the evaluating commands (check, validate, anomalies). */
export const CHECK_FORMATS = ['human', 'json', 'nagios'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];
/** The `--format` option every evaluating command has. */
export const FORMAT_OPTION = { flags: '--format <format>', description: 'output format', choices: CHECK_FORMATS, default: 'human' } as const satisfies OptionSpec;
