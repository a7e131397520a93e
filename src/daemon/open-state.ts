/**
 * The daemon taking its state dir: the dir, the lock, the store. A full volume does not stop it (faults
 * F2): the space held back in the state dir (store/reserve.ts) is given back so the lock and SQLite's -shm
 * fit, the daemon says "disk full at PATH" and goes on watching, alerting from memory. Whatever fails
 * once the lock is taken releases it: no stale daemon.lock (faults F9).
 */
import { join } from 'node:path';
import { historyDbPath } from '../config/paths.js';
import { isMonitorError, StateDirError, StoreError } from '../errors.js';
import { ensureStateDir, sweepTempFiles } from '../store/files.js';
import { acquireLock, type LockHandle } from '../store/lock.js';
import { keepReserve, releaseReserve, RESERVE_BYTES, RESERVE_FILE } from '../store/reserve.js';
import { Store } from '../store/store.js';
import { isDiskFull } from '../store/write-gate.js';
import type { Logger } from './collector.js';

export interface DaemonState {
  lock: LockHandle;
  store: Store;
}

export function openDaemonState(o: { stateDir: string; allowNetworkFs?: boolean; configFile: string; pollOnly?: boolean; log: Logger }): DaemonState {
  const dbPath = historyDbPath(o.stateDir);
  let released = false;
  /** Runs `fn`; on a full volume gives the reserve back once and runs it again. */
  const withReserve = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      const full = isDiskFull(err) || (isMonitorError(err) && err.code === 'STORE_DISK_FULL');
      if (!full || released || !releaseReserve(o.stateDir)) throw err;
      released = true;
      o.log.error({ path: dbPath, reserve: join(o.stateDir, RESERVE_FILE) },
        `disk full at ${dbPath}: gave back the ${RESERVE_BYTES / 1024} KiB held in the state dir to start; free space on its volume. The daemon watches the hubs and alerts from memory while its history cannot be written`);
      return fn();
    }
  };

  let lock: LockHandle;
  try {
    ensureStateDir(o.stateDir, { allowNetworkFs: o.allowNetworkFs });
    // The lock names the config file we run: `reload` reloads that one and refuses another.
    lock = withReserve(() => acquireLock(o.stateDir, 'daemon', {}, { configFile: o.configFile, ...(o.pollOnly ? { pollOnly: true } : {}) }));
  } catch (err) {
    if (isMonitorError(err)) throw err; // the lock held, the state dir refused
    const code = (err as { code?: unknown }).code;
    if (isDiskFull(err)) {
      throw new StoreError('STORE_DISK_FULL', dbPath, `disk full at ${dbPath}: cannot write the daemon lock beside it (${String(code)})`,
        { hint: 'Free space on that volume, then start the daemon again.', cause: err });
    }
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      throw new StateDirError('STATE_DIR_UNWRITABLE', o.stateDir, `${join(o.stateDir, 'daemon.lock')}: cannot write the daemon lock (${code}: ${(err as Error).message})`,
        { hint: `Make ${o.stateDir} writable by this user, or choose another --state-dir.`, cause: err });
    }
    throw err;
  }
  try {
    sweepTempFiles(o.stateDir);
    const store = withReserve(() => Store.open({ stateDir: o.stateDir, allowNetworkFs: o.allowNetworkFs }));
    if (!released) keepReserve(o.stateDir);
    return { lock, store };
  } catch (err) {
    lock.release();
    throw err;
  }
}
