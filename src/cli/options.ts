/**
 * The global options, defined once: commander builds `--help` and parsing from this table, and the `check`
 * fast path (fast-path.ts) parses the same table without loading commander.
 */

export interface OptionSpec {
  /** commander flags, e.g. `--hub <url>`. */
  flags: string;
  /** Key in the parsed options object (commander's camelCase; `--no-color` sets `color: false`). */
  key: string;
  takesValue: boolean;
  repeatable?: boolean;
  description: string;
}

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { flags: '--hub <url>', key: 'hub', takesValue: true, repeatable: true, description: 'hub base URL; repeatable (default: config, MCP_HUB_URL, live hubs in workspaces.json, http://127.0.0.1:7000)' },
  { flags: '--config <file>', key: 'config', takesValue: true, description: 'config file (default: $XDG_CONFIG_HOME/mcp-hub-monitor/config.yaml; absent = defaults)' },
  { flags: '--state-dir <dir>', key: 'stateDir', takesValue: true, description: 'state directory (default: $XDG_STATE_HOME/mcp-hub/monitoring)' },
  { flags: '--json', key: 'json', takesValue: false, description: 'print one JSON document on stdout and nothing else there' },
  { flags: '--no-color', key: 'color', takesValue: false, description: 'no colour (also when NO_COLOR is set or stdout is not a terminal)' },
  { flags: '--timeout <duration>', key: 'timeout', takesValue: true, description: 'total deadline for hub requests, e.g. 5s, 1500ms (default: 5s)' },
];

/** Output formats of the evaluating commands. */
export const CHECK_FORMATS = ['human', 'json', 'nagios'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];
/** The `--format` option every evaluating command has. */
export const FORMAT_OPTION: OptionSpec = { flags: '--format <format>', key: 'format', takesValue: true, description: 'output format' };

/** The evaluating commands (exit 0/1/2/3, shared output shape): names, help text and extra options. */
export const EVALUATING_COMMANDS = {
  check: {
    description: 'check each hub once against the alert thresholds; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN',
    options: [
      { flags: '--expect-daemon', key: 'expectDaemon', takesValue: false, description: 'also warn when the daemon is not running or not recording (dead-man check for cron)' },
      { flags: '--daemon', key: 'daemon', takesValue: false, description: 'like --expect-daemon, but CRITICAL when the daemon is not running or has stopped collecting' },
      { flags: '--probe', key: 'probe', takesValue: false, description: 'also make a read-only MCP round trip to each connected server through the hub (catches dead and hung children the hub calls connected)' },
    ] as OptionSpec[],
  },
  validate: {
    description: 'validate process, port, API, servers (with a round trip to each through the hub) against their config files, config integrity, disk, logs and exposure',
    options: [
      { flags: '--no-probe', key: 'probe', takesValue: false, description: 'skip the read-only MCP round trip to each connected server through the hub' },
    ] as OptionSpec[],
  },
  anomalies: {
    description: 'watch each hub live for a short window: error spikes, flapping, CPU/RSS, disconnections, log growth and floods, outliers',
    options: [{ flags: '--window <duration>', key: 'window', takesValue: true, description: 'how long to watch (default: config anomalies.window, 10s)' }] as OptionSpec[],
  },
} as const;
export type EvaluatingCommand = keyof typeof EVALUATING_COMMANDS;

/** The long flag name of a spec: `--hub <url>` → `--hub`. */
export function longFlag(spec: OptionSpec): string {
  return spec.flags.split(' ')[0] as string;
}
