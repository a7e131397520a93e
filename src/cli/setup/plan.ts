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

/** Quotes an argument for systemd's ExecStart and for sh (cron): single quotes, ' escaped. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

function serviceUnit(i: SetupInputs): string {
  const exec = [i.node, i.cli, 'daemon', '--config', i.configPath, '--state-dir', i.stateDir].map(shellQuote).join(' ');
  return [
    '# Installed by `mcp-hub-monitor setup`; `mcp-hub-monitor setup --uninstall` removes it.',
    '[Unit]',
    'Description=mcp-hub-monitor: watches MCP Hub, keeps history, alerts',
    'After=network.target',
    '',
    '[Service]',
    // Type=simple: the daemon stays in the foreground and logs JSON lines to stderr (the journal).
    'Type=simple',
    `ExecStart=${exec}`,
    // `systemctl --user reload` = SIGHUP: the daemon loads its config again and keeps the old one if the new is broken.
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=5s',
    // SIGTERM = flush and exit 0 within 2 s.
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
    files.push({ path: join(i.systemdUserDir, SERVICE), content: serviceUnit(i), mode: 0o644 });
    return { dirs, files, cronLines: [], systemctl: [['--user', 'daemon-reload'], ['--user', 'enable', '--now', SERVICE]] };
  }
  // cron: every minute, start the daemon unless one runs (flock -n never waits, so runs never pile up; the
  // daemon's own lock refuses a second one too). Its stderr goes to a log file in the state dir.
  const lock = join(i.stateDir, 'cron-daemon.lock');
  const log = join(i.stateDir, 'logs', 'daemon.log');
  const run = [i.node, i.cli, 'daemon', '--config', i.configPath, '--state-dir', i.stateDir].map(shellQuote).join(' ');
  const cronLines = [
    `* * * * * flock -n ${shellQuote(lock)} ${run} >>${shellQuote(log)} 2>&1 ${CRON_MARK}`,
  ];
  return { dirs, files, cronLines, systemctl: [] };
}
