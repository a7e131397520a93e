/**
 * `reload`: asks the running daemon to load its config file again (SIGHUP, as systemd's ExecReload does)
 * and waits for its answer in `config-reload.json`, so a typo is reported here, naming the key and the
 * file, instead of only in the daemon's log. Exit 0 reloaded, 1 reloaded but some sections wait for a
 * restart, 3 not reloaded (no daemon, the new config is broken: the daemon keeps its previous one, or
 * `--config` names another file than the one the daemon runs: a reload never switches files).
 */
import { watch } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { canonicalPath } from '../../config/paths.js';
import { CONFIG_RELOAD_FILE, readReloadStatus, type ReloadStatus } from '../../daemon/reload-status.js';
import { isLiveNodeProcess, readLock } from '../../store/lock-file.js';
import { toSafeJson } from '../../views/json.js';
import { sanitizeTerminal as clean } from '../../views/sanitize.js';
import type { GlobalOptions } from '../global-options.js';
import type { CommandRun } from '../render-result.js';

const DEFAULT_WAIT_MS = 10_000;

/** Resolves with the first status newer than `after`, or undefined at the deadline. */
function nextStatus(stateDir: string, after: number, waitMs: number): Promise<ReloadStatus | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const look = () => {
      if (done) return;
      const s = readReloadStatus(stateDir);
      if (s && s.at > after) finish(s);
    };
    const finish = (s: ReloadStatus | undefined) => {
      done = true;
      watcher?.close();
      clearInterval(poll);
      clearTimeout(deadline);
      resolve(s);
    };
    let watcher: ReturnType<typeof watch> | undefined;
    try {
      watcher = watch(stateDir, (_event, name) => { if (name === null || name === CONFIG_RELOAD_FILE) look(); });
      watcher.on('error', () => undefined);
    } catch { /* no inotify: the poll below still sees it */ }
    const poll = setInterval(look, 250);
    const deadline = setTimeout(() => finish(undefined), waitMs);
    look();
  });
}

/** Each line made safe on its own: the message's line breaks stay breaks, a hostile string's do not. */
const cleanLines = (text: string): string => text.split('\n').map((line) => clean(line)).join('\n');

/** Why `--config` cannot be reloaded by this daemon, or undefined when it is the daemon's own file. */
function otherConfigFile(g: GlobalOptions, daemonFile: string | undefined, pid: number): string | undefined {
  if (!g.configExplicit) return undefined;
  const asked = canonicalPath(g.configFile);
  if (daemonFile === undefined) {
    return `cannot tell which config file the daemon (pid ${pid}) runs (it started before daemons recorded it), so --config ${asked} cannot be checked against it. Run reload without --config to reload the daemon's own file, or restart the daemon`;
  }
  if (canonicalPath(daemonFile) === asked) return undefined;
  return `the daemon (pid ${pid}) runs ${daemonFile}, not ${asked}; reload reloads the file the daemon runs. Edit ${daemonFile} and run reload without --config, or restart the daemon with --config ${asked}`;
}

export async function runReload(g: GlobalOptions): Promise<CommandRun> {
  const out = (code: number, doc: Record<string, unknown>, text: string): CommandRun => ({ exitCode: code, output: g.json ? `${toSafeJson(doc)}\n` : `${cleanLines(text)}\n` });
  const lock = readLock(join(g.stateDir, 'daemon.lock'));
  if (typeof lock !== 'object' || !isLiveNodeProcess(lock.pid)) {
    return out(3, { ok: false, error: 'no daemon running' }, `no daemon is running on ${g.stateDir} (start it with: mcp-hub-monitor daemon); nothing to reload`);
  }
  if (lock.hostname !== hostname()) {
    return out(3, { ok: false, pid: lock.pid, error: 'daemon on another host' }, `the daemon on ${g.stateDir} runs on ${lock.hostname}, not here: run reload there`);
  }
  const refused = otherConfigFile(g, lock.configFile, lock.pid);
  if (refused) return out(3, { ok: false, pid: lock.pid, configFile: lock.configFile ?? null, error: refused }, refused);
  const file = lock.configFile ?? 'its config file';
  const before = readReloadStatus(g.stateDir)?.at ?? 0;
  const sentAt = Date.now();
  try {
    process.kill(lock.pid, 'SIGHUP');
  } catch (err) {
    return out(3, { ok: false, pid: lock.pid, error: String(err) }, `cannot signal the daemon (pid ${lock.pid}): ${(err as Error).message}`);
  }
  const s = await nextStatus(g.stateDir, Math.max(before, sentAt - 1), g.timeoutMs ?? DEFAULT_WAIT_MS);
  if (!s) {
    return out(3, { ok: false, pid: lock.pid, error: 'no answer' }, `the daemon (pid ${lock.pid}) got SIGHUP but did not report a reload within ${Math.round((g.timeoutMs ?? DEFAULT_WAIT_MS) / 1000)} s; see its log (journalctl --user -u mcp-hub-monitor)`);
  }
  if (!s.ok) {
    return out(3, { ok: false, pid: lock.pid, error: s.error ?? null }, `reload failed: ${clean(s.error ?? 'unknown error')}\nthe daemon (pid ${lock.pid}) keeps running its previous config`);
  }
  const later = s.needsRestart ?? [];
  if (later.length) {
    return out(1, { ok: true, pid: lock.pid, configFile: lock.configFile ?? null, needsRestart: later }, `reloaded ${file} (pid ${lock.pid}); changes to ${later.join(', ')} take effect at the next restart`);
  }
  return out(0, { ok: true, pid: lock.pid, configFile: lock.configFile ?? null }, `reloaded: the daemon (pid ${lock.pid}) runs the new config from ${file}`);
}
