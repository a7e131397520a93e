/**
 * Carries out a setup plan, idempotently, recording what it installed in a manifest so `--uninstall`
 * removes exactly that: files whose content is still ours, our marked crontab lines, our unit. The config
 * is the user's once written: kept unless `--force` (which backs it up first), and kept on uninstall when
 * the user changed it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CRON_MARK, SERVICE, TAP_SERVICE, type SetupMode, type SetupPlan } from './plan.js';

const MANIFEST = 'setup-manifest.json';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

interface Manifest {
  mode: SetupMode;
  files: { path: string; sha256: string }[];
  dirs: string[];
  cronLines: string[];
}

/** Why this machine cannot take `mode`, or undefined when it can. */
export function unavailable(mode: SetupMode): string | undefined {
  if (mode === 'cron') {
    if (spawnSync('crontab', ['-l'], { encoding: 'utf8' }).error) return 'crontab is not installed (Debian: apt-get install cron)';
    // The cron line runs the daemon under `flock -n`: without flock it would fail every minute, unseen.
    if (spawnSync('flock', ['--version'], { encoding: 'utf8' }).error) return 'flock is not installed (Debian: apt-get install util-linux)';
    return undefined;
  }
  const r = spawnSync('systemctl', ['--user', 'show-environment'], { encoding: 'utf8' });
  if (r.error) return 'systemctl is not available (no systemd here)';
  if (r.status !== 0) return `no systemd user session (${(r.stderr || '').trim().split('\n')[0] || `exit ${r.status}`}); over ssh or in a container run \`loginctl enable-linger $USER\` first`;
  return undefined;
}

function writeAtomic(path: string, content: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

function readCrontab(): string {
  const r = spawnSync('crontab', ['-l'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : ''; // "no crontab for user" exits 1
}

function writeCrontab(text: string): void {
  execFileSync('crontab', ['-'], { input: text, stdio: ['pipe', 'ignore', 'pipe'] });
}

export interface ApplyResult {
  /** One line per action, for the user. */
  actions: string[];
  changed: boolean;
}

/** Installs the plan. `force` overwrites an existing config (after a backup). */
export function applySetup(plan: SetupPlan, mode: SetupMode, stateDir: string, opts: { force?: boolean; now?: number } = {}): ApplyResult {
  const actions: string[] = [];
  let changed = false;
  const manifestPath = join(stateDir, MANIFEST);
  const previous = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest) : undefined;
  const manifest: Manifest = { mode, files: [], dirs: [], cronLines: plan.cronLines };
  for (const d of plan.dirs) {
    const existed = existsSync(d);
    mkdirSync(d, { recursive: true, mode: 0o700 });
    chmodSync(d, 0o700);
    if (!existed) { actions.push(`created ${d}/ (0700)`); changed = true; }
    if (!existed || previous?.dirs.includes(d)) manifest.dirs.push(d);
  }
  for (const f of plan.files) {
    const current = existsSync(f.path) ? readFileSync(f.path, 'utf8') : undefined;
    const ours = previous?.files.find((p) => p.path === f.path);
    if (current === f.content) {
      if (ours || !f.userOwned) manifest.files.push({ path: f.path, sha256: sha(f.content) });
      continue;
    }
    if (current !== undefined && f.userOwned && !opts.force) {
      actions.push(`kept ${f.path} (exists; --force replaces it after a backup)`);
      if (ours) manifest.files.push(ours);
      continue;
    }
    if (current !== undefined && f.userOwned) {
      const backup = `${f.path}.bak-${new Date(opts.now ?? Date.now()).toISOString().replace(/[:.]/g, '-')}`;
      writeAtomic(backup, current, 0o600);
      actions.push(`backed up ${f.path} to ${backup}`);
    }
    writeAtomic(f.path, f.content, f.mode);
    manifest.files.push({ path: f.path, sha256: sha(f.content) });
    actions.push(`${current === undefined ? 'wrote' : 'replaced'} ${f.path}`);
    changed = true;
  }
  // The tap's unit an earlier `setup --tap` installed, when this setup has no --tap: stopped and removed.
  for (const f of previous?.files ?? []) {
    if (basename(f.path) !== TAP_SERVICE || plan.files.some((p) => p.path === f.path) || !existsSync(f.path)) continue;
    if (sha(readFileSync(f.path, 'utf8')) !== f.sha256) { actions.push(`kept ${f.path} (you changed it)`); continue; }
    spawnSync('systemctl', ['--user', 'disable', '--now', TAP_SERVICE], { stdio: 'ignore' });
    unlinkSync(f.path);
    actions.push(`systemctl --user disable --now ${TAP_SERVICE}`, `removed ${f.path}`);
    changed = true;
  }
  if (plan.cronLines.length) {
    const tab = readCrontab();
    const kept = tab.split('\n').filter((l) => l !== '' && !l.includes(CRON_MARK));
    const next = `${[...kept, ...plan.cronLines].join('\n')}\n`;
    if (next !== (tab.endsWith('\n') || tab === '' ? tab : `${tab}\n`)) {
      writeCrontab(next);
      actions.push(`installed ${plan.cronLines.length} crontab line(s)`);
      changed = true;
    }
  }
  if (changed && plan.systemctl.length) {
    for (const args of plan.systemctl) {
      execFileSync('systemctl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      actions.push(`systemctl ${args.join(' ')}`);
    }
  }
  writeAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
  if (!changed) actions.push('nothing to change: already set up');
  return { actions, changed };
}

/** Removes what the manifest says setup installed; leaves the history (the state dir's database) alone. */
export function uninstallSetup(stateDir: string): ApplyResult {
  const manifestPath = join(stateDir, MANIFEST);
  if (!existsSync(manifestPath)) return { actions: ['nothing installed by setup here (no manifest)'], changed: false };
  const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const actions: string[] = [];
  for (const unit of [TAP_SERVICE, SERVICE]) {
    if (m.mode !== 'systemd' || !m.files.some((f) => basename(f.path) === unit)) continue;
    spawnSync('systemctl', ['--user', 'disable', '--now', unit], { stdio: 'ignore' });
    actions.push(`systemctl --user disable --now ${unit}`);
  }
  if (m.cronLines.length) {
    const tab = readCrontab();
    const kept = tab.split('\n').filter((l) => l !== '' && !l.includes(CRON_MARK));
    writeCrontab(kept.length ? `${kept.join('\n')}\n` : '');
    actions.push('removed our crontab line(s)');
  }
  for (const f of m.files) {
    if (!existsSync(f.path)) continue;
    if (sha(readFileSync(f.path, 'utf8')) !== f.sha256) {
      actions.push(`kept ${f.path} (you changed it)`);
      continue;
    }
    unlinkSync(f.path);
    actions.push(`removed ${f.path}`);
  }
  if (m.mode === 'systemd') spawnSync('systemctl', ['--user', 'daemon-reload'], { stdio: 'ignore' });
  unlinkSync(manifestPath);
  for (const d of [...m.dirs].reverse()) {
    try {
      if (readdirSync(d).length === 0) { rmdirSync(d); actions.push(`removed empty ${d}/`); }
    } catch { /* gone or not empty */ }
  }
  return { actions, changed: true };
}
