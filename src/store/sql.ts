/**
 * One connection's prepared statements, cached by their SQL text (preparing costs more than running a
 * small statement), and the `meta` key/value table that holds rollup and retention watermarks.
 */
import type Database from 'better-sqlite3';

/** A prepared statement as better-sqlite3 types it. */
export type Statement = Database.Statement<unknown[], unknown>;

/** Prepared-statement cache over one connection; every production statement goes through it. */
export class Sql {
  private readonly cache = new Map<string, Statement>();

  constructor(readonly db: Database.Database) {}

  /** The prepared statement for `text`, prepared on first use. */
  stmt(text: string): Statement {
    let s = this.cache.get(text);
    if (s === undefined) {
      s = this.db.prepare(text) as Statement;
      this.cache.set(text, s);
    }
    return s;
  }

  /** Every SQL text prepared so far: the query-plan test runs EXPLAIN QUERY PLAN over each. */
  prepared(): string[] {
    return [...this.cache.keys()];
  }

  /** Runs `fn` in one BEGIN IMMEDIATE transaction (the write lock is taken up front, so busy_timeout applies). */
  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** A `meta` value, or undefined. */
  getMeta(key: string): string | undefined {
    const row = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string | null } | undefined;
    return row?.value ?? undefined;
  }

  /** A numeric `meta` value, or undefined when absent or not a number. */
  getMetaNumber(key: string): number | undefined {
    const v = this.getMeta(key);
    const n = v === undefined ? NaN : Number(v);
    return Number.isFinite(n) ? n : undefined;
  }

  /** Sets (or, with undefined, deletes) a `meta` value. */
  setMeta(key: string, value: string | number | undefined): void {
    if (value === undefined) this.stmt('DELETE FROM meta WHERE key = ?').run(key);
    else this.stmt('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, String(value));
  }
}
