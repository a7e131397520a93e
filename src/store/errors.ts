/** Errors of the history database itself (the state dir and the lock have their own, in files.ts and lock.ts). */

/** Why the history database cannot be used; stable, for exit codes and tests. */
export type StoreErrorCode =
  | 'STORE_MISSING'
  | 'STORE_DIR_READONLY'
  | 'STORE_CORRUPT'
  | 'STORE_SCHEMA_NEWER'
  | 'STORE_SCHEMA_OLD'
  | 'STORE_DISK_FULL'
  | 'STORE_NOT_FILE'
  | 'STORE_READONLY'
  | 'STORE_UNUSABLE';

/** The database is absent, corrupt, or of a schema this version cannot use; the message says what to do. */
export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, readonly path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}
