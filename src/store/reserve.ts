/**
 * A little space held back in the state dir, so that a daemon started on a full volume can still take its
 * lock and open its store, and go on watching (faults F2). It is released when a start meets ENOSPC, and
 * made again once the volume has room (CockroachDB keeps an "emergency ballast" file for the same reason).
 * Random bytes: a compressing filesystem would not set aside the blocks of a file of zeros.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statfsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './files.js';

export const RESERVE_FILE = 'disk-reserve';
/** Enough for the lock, SQLite's -shm, the notes beside the store and the first transactions. */
export const RESERVE_BYTES = 256 * 1024;

/** Makes the reserve when it is missing and the volume has room for it four times over; whether it exists. */
export function keepReserve(stateDir: string): boolean {
  const path = join(stateDir, RESERVE_FILE);
  if (existsSync(path)) return true;
  try {
    const st = statfsSync(stateDir);
    if (st.bavail * st.bsize < 4 * RESERVE_BYTES) return false;
    writeFileAtomic(path, randomBytes(RESERVE_BYTES), { mode: 0o600 });
    return true;
  } catch {
    return false; // a volume that cannot take it now gets it at the next start or recovery
  }
}

/** Deletes the reserve to give its space back; whether there was one. */
export function releaseReserve(stateDir: string): boolean {
  try {
    unlinkSync(join(stateDir, RESERVE_FILE));
    return true;
  } catch {
    return false;
  }
}
