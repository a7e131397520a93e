/**
 * `store-write.json` beside the store: when the daemon last wrote its history successfully, and since when
 * its writes fail. Kept outside the database on purpose: a failed write still touches the -wal's mtime, so
 * file times say "just wrote" while nothing is stored (issue I, faults F1). `check --expect-daemon` and
 * `status` read it. Only node:fs here: check is a lean path (the daemon writes it, in store-health.ts).
 */
import { readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

export const STORE_WRITE_FILE = 'store-write.json';

export interface StoreWriteStatus {
  /** Epoch ms of the last committed write, if any. */
  lastWriteAt?: number;
  /** Epoch ms since when every write has failed; absent while writing works. */
  failingSince?: number;
  /** Why the latest write failed (SQLite's code and words). */
  error?: string;
  /** The daemon that wrote the file. */
  pid?: number;
}

/** The daemon's last note, or undefined when there is none or it is not ours. */
export function readStoreWriteStatus(stateDir: string): StoreWriteStatus | undefined {
  try {
    const s = JSON.parse(readFileSync(join(stateDir, STORE_WRITE_FILE), 'utf8')) as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    const out: StoreWriteStatus = {};
    if (num(s.lastWriteAt) !== undefined) out.lastWriteAt = num(s.lastWriteAt);
    if (num(s.failingSince) !== undefined) out.failingSince = num(s.failingSince);
    if (typeof s.error === 'string') out.error = s.error.slice(0, 300);
    if (num(s.pid) !== undefined) out.pid = num(s.pid);
    return out;
  } catch {
    return undefined;
  }
}

/** Bytes an unprivileged writer may still use on the volume of `dir`, or undefined when unknown. */
export function freeBytes(dir: string): number | undefined {
  try {
    const st = statfsSync(dir);
    return st.bavail * st.bsize;
  } catch {
    return undefined;
  }
}
