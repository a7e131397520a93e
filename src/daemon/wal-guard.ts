/**
 * Keeps the -wal from eating a small volume (faults F2). SQLite folds its -wal into the database every
 * 16 MB (wal_autocheckpoint 4000 pages, chosen for ingest speed), which a volume of a few MB never reaches:
 * the -wal grew into any space freed until the disk was full again (70 s without a write after half of a
 * full 3 MB volume was freed). A -wal that could take the room left is checkpointed and truncated now.
 */
import { statSync } from 'node:fs';
import type { Store } from '../store/store.js';
import { freeBytes } from './store-write-status.js';

/** Below this the -wal is left to SQLite whatever the room left. */
const MIN_WAL_BYTES = 64 * 1024;

/** Truncates the -wal when the volume has less than twice its size left; whether it did. */
export function guardWal(store: Pick<Store, 'path' | 'reclaimWal'>, stateDir: string, free: (dir: string) => number | undefined = freeBytes): boolean {
  let wal: number;
  try {
    wal = statSync(`${store.path}-wal`).size;
  } catch {
    return false;
  }
  const room = free(stateDir);
  if (wal < MIN_WAL_BYTES || room === undefined || room >= 2 * wal) return false;
  try {
    store.reclaimWal();
    return true;
  } catch {
    return false; // a reader holds it: the next round tries again
  }
}
