/**
 * What `setup` installs, as data: directories, the commented default config, and either systemd user
 * units or crontab lines. Pure (paths and binaries come in), so `--print`, install, idempotency and
 * uninstall all work from the same plan.
 */
import { join } from 'node:path';

export type SetupMode = 'systemd' | 'cron';

export interface SetupInputs {
  mode: SetupMode;
  /** Absolute path of node, and of our CLI entry (never npx: cron and systemd have no npm on PATH). */
  node: string;
  cli: string;
  configPath: string;
  stateDir: string;
  /** `$XDG_CONFIG_HOME/systemd/user`. */
  systemdUserDir: string;
  /** The commented default config text. */
  configTemplate: string;
  /** Also install the traffic tap (opt-in: it goes in the clients' path): where it listens, the hub it fronts. */
  tap?: { listen: string; hub: string };
}

export interface PlannedFile {
  path: string;
  content: string;
  mode: number;
  /** Config is the user's once written: never overwritten without --force (and then backed up). */
  userOwned?: boolean;
}

export interface SetupPlan {
  dirs: string[];
  files: PlannedFile[];
  /** Crontab lines (cron mode), each marked so uninstall removes exactly these. */
  cronLines: string[];
  /** What to tell systemd after writing units (systemd mode). */
  systemctl: string[][];
}

/** Marks our crontab lines: uninstall removes exactly the lines that carry it. */
export const CRON_MARK = '# mcp-hub-monitor (managed by `mcp-hub-monitor setup`)';
export const SERVICE = 'mcp-hub-monitor.service';
export const TAP_SERVICE = 'mcp-hub-monitor-tap.service';

/** Quotes an argument for systemd's ExecStart and for sh (cron): single quotes, ' escaped. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/** The daemon's command line, or the tap's: absolute paths, the same config and state dir. */
function daemonArgs(i: SetupInputs): string[] {
  return [i.node, i.cli, 'daemon', '--config', i.configPath, '--state-dir', i.stateDir];
}

function tapArgs(i: SetupInputs, tap: { listen: string; hub: string }): string[] {
  return [i.node, i.cli, 'tap', '--listen', tap.listen, '--hub', tap.hub, '--config', i.configPath, '--state-dir', i.stateDir];
}

/** A systemd user unit; the daemon's and the tap's differ only in what they run and say. */
function serviceUnit(description: string, args: string[], extra: string[] = []): string {
  return [
    '# Installed by `mcp-hub-monitor setup`; `mcp-hub-monitor setup --uninstall` removes it.',
    '[Unit]',
    `Description=${description}`,
    'After=network.target',
    '',
    '[Service]',
    // Type=simple: it stays in the foreground and logs to stderr (the journal).
    'Type=simple',
    `ExecStart=${args.map(shellQuote).join(' ')}`,
    ...extra,
    'Restart=on-failure',
    'RestartSec=5s',
    // SIGTERM = stop cleanly (the daemon flushes and exits 0 within 2 s; the tap closes its listener).
    'TimeoutStopSec=10s',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

export function planSetup(i: SetupInputs): SetupPlan {
  const dirs = [i.stateDir, join(i.stateDir, 'baselines'), join(i.stateDir, 'reports'), join(i.stateDir, 'logs')];
  const files: PlannedFile[] = [{ path: i.configPath, content: i.configTemplate, mode: 0o600, userOwned: true }];
  if (i.mode === 'systemd') {
    files.push({
      path: join(i.systemdUserDir, SERVICE), mode: 0o644,
      // `systemctl --user reload` = SIGHUP: the daemon loads its config again and keeps the old one if the new is broken.
      content: serviceUnit('mcp-hub-monitor: watches MCP Hub, keeps history, alerts', daemonArgs(i), ['ExecReload=/bin/kill -HUP $MAINPID']),
    });
    if (i.tap) files.push({ path: join(i.systemdUserDir, TAP_SERVICE), mode: 0o644, content: serviceUnit(`mcp-hub-monitor tap: records the tool calls clients make to ${i.tap.hub} through ${i.tap.listen}`, tapArgs(i, i.tap)) });
    const units = i.tap ? [SERVICE, TAP_SERVICE] : [SERVICE];
    return { dirs, files, cronLines: [], systemctl: [['--user', 'daemon-reload'], ['--user', 'enable', '--now', ...units]] };
  }
  // cron: every minute, start the daemon (and the tap) unless one runs (flock -n never waits, so runs never
  // pile up; the daemon's own lock refuses a second one too). Stderr goes to a log file in the state dir.
  const cronLine = (args: string[], name: string) =>
    `* * * * * flock -n ${shellQuote(join(i.stateDir, `cron-${name}.lock`))} ${args.map(shellQuote).join(' ')} >>${shellQuote(join(i.stateDir, 'logs', `${name}.log`))} 2>&1 ${CRON_MARK}`;
  const cronLines = [cronLine(daemonArgs(i), 'daemon'), ...(i.tap ? [cronLine(tapArgs(i, i.tap), 'tap')] : [])];
  return { dirs, files, cronLines, systemctl: [] };
}
