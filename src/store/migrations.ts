/**
 * Versioned schema migrations. Each runs in one BEGIN IMMEDIATE transaction together with the
 * `PRAGMA user_version` bump (DDL and the header field are transactional in SQLite), so a kill in the
 * middle leaves the previous version intact and the next start runs it again from the beginning
 * (faults B7; compare Uptime Kuma #127 "Patch db failed!!! Restoring the backup").
 */
import type Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { SCHEMA_V1 } from './schema.js';
import { SCHEMA_V2 } from './schema-v2.js';
import { SCHEMA_V3 } from './schema-v3.js';
import { SCHEMA_V4 } from './schema-v4.js';

/** One step from version - 1 to version. `up` must only use the connection it is given. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/** Every migration, in order; versions are 1, 2, 3 … with no holes. Never edit a shipped one: add another. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', up: (db) => db.exec(SCHEMA_V1) },
  { version: 2, name: 'alerts, silences, outbox, notification log', up: (db) => db.exec(SCHEMA_V2) },
  { version: 3, name: 'a failed poll\'s hub.up is 0, not NULL', up: (db) => db.exec(SCHEMA_V3) },
  { version: 4, name: 'every stored event has a catalogue type (src/model/events.ts)', up: (db) => db.exec(SCHEMA_V4) },
];

/** The schema version this code reads and writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

/** The database's schema version (`PRAGMA user_version`; 0 for a new file). */
export function schemaVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/** Hooks for tests and logging. */
export interface MigrateHooks {
  /** Called inside the transaction, after the migration ran and before it commits (the kill test waits here). */
  beforeCommit?(m: Migration): void;
}

/**
 * Brings the database to the last version of `migrations`. Refuses a database from a newer version of the
 * program (writing it with an older schema in mind could damage it). Returns the versions before and after.
 */
export function migrate(
  db: Database.Database, path: string, migrations: readonly Migration[] = MIGRATIONS, hooks: MigrateHooks = {},
): { from: number; to: number } {
  const latest = migrations.length;
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${i} has version ${m.version}; versions must be 1, 2, 3 … in order`);
  });
  const from = schemaVersion(db);
  if (from > latest) {
    throw new StoreError('STORE_SCHEMA_NEWER', path,
      `${path}: schema version ${from} is newer than this mcp-hub-monitor understands (${latest})`, { hint: 'Upgrade mcp-hub-monitor, or move the file aside to start a new history.' });
  }
  for (const m of migrations) {
    if (m.version <= from) continue;
    db.transaction(() => {
      // Re-read under the write lock: another process may have run this step since we looked.
      if (schemaVersion(db) >= m.version) return;
      m.up(db);
      db.pragma(`user_version = ${Math.trunc(m.version)}`);
      hooks.beforeCommit?.(m);
    }).immediate();
  }
  return { from, to: Math.max(from, latest) };
}
