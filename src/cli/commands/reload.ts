/**
 * `reload`: asks the running daemon to load its config file again (SIGHUP, as systemd's ExecReload does)
 * and waits for its answer in `config-reload.json`, so a typo is reported here, naming the key and the
 * file, instead of only in the daemon's log. Exit 0 reloaded, 1 reloaded but some sections wait for a
 * restart, 3 not reloaded (no daemon, or the new config is broken: the daemon keeps its previous one).
 */
import { watch } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
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

export async function runReload(g: GlobalOptions): Promise<CommandRun> {
  const out = (code: number, doc: Record<string, unknown>, text: string): CommandRun => ({ exitCode: code, output: g.json ? `${toSafeJson(doc)}\n` : `${clean(text)}\n` });
  const lock = readLock(join(g.stateDir, 'daemon.lock'));
  if (typeof lock !== 'object' || !isLiveNodeProcess(lock.pid)) {
    return out(3, { ok: false, error: 'no daemon running' }, `no daemon is running on ${g.stateDir} (start it with: mcp-hub-monitor daemon); nothing to reload`);
  }
  if (lock.hostname !== hostname()) {
    return out(3, { ok: false, pid: lock.pid, error: 'daemon on another host' }, `the daemon on ${g.stateDir} runs on ${lock.hostname}, not here: run reload there`);
  }
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
    return out(3, { ok: false, pid: lock.pid, error: s.error ?? null }, `reload failed: ${s.error ?? 'unknown error'}\nthe daemon (pid ${lock.pid}) keeps running its previous config`);
  }
  const later = s.needsRestart ?? [];
  if (later.length) {
    return out(1, { ok: true, pid: lock.pid, needsRestart: later }, `reloaded (pid ${lock.pid}); changes to ${later.join(', ')} take effect at the next restart`);
  }
  return out(0, { ok: true, pid: lock.pid }, `reloaded: the daemon (pid ${lock.pid}) runs the new config`);
}
