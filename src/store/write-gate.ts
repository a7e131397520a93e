/**
 * How the daemon's writers reach the store: through one gate that knows whether the store takes writes
 * (daemon/store-health.ts). A write the store refuses — disk full, I/O error, busy, read-only — comes back
 * as `{ ok: false }` and the caller keeps what it meant to write in memory (faults B1, B4); anything else
 * is a bug and throws.
 */

export type WriteOutcome<T> = { ok: true; value: T } | { ok: false };

export interface WriteGate {
  /** Runs `fn` (one transaction), unless the store is known to refuse writes and no retry is due yet. */
  attempt<T>(fn: () => T): WriteOutcome<T>;
}

const REFUSALS = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|CORRUPT|NOTADB|PROTOCOL|NOMEM|PERM|AUTH)/;
const FS_REFUSALS = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EACCES', 'EPERM']);

const codeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** Whether the store (SQLite or the file system under it) refused, as opposed to a bug in the caller. */
export function isStoreRefusal(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && (REFUSALS.test(code) || FS_REFUSALS.has(code));
}

/** Whether the refusal is a full volume (or quota): freeing space is the fix. */
export function isDiskFull(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

/** One line for logs and alerts: the code and SQLite's (or the OS's) own words. */
export function refusalText(err: unknown): string {
  const code = codeOf(err) ?? 'error';
  const message = err instanceof Error ? err.message : String(err);
  return `${code}: ${message}`.slice(0, 300);
}

/** A gate with no memory: every write is tried; a refusal goes to `onRefused`. For tests and one-shot use. */
export function directGate(onRefused: (err: unknown) => void = () => {}): WriteGate {
  return {
    attempt<T>(fn: () => T): WriteOutcome<T> {
      try {
        return { ok: true, value: fn() };
      } catch (err) {
        if (!isStoreRefusal(err)) throw err;
        onRefused(err);
        return { ok: false };
      }
    },
  };
}
