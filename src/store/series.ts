/**
 * Series identity: (hub, name, labels) ↔ a small integer id, so each sample row carries 1–2 bytes of key
 * instead of the strings. Labels are serialised canonically (keys sorted), so the same label set always
 * maps to the same series whatever order the caller built it in.
 */
import type { Sql } from './sql.js';

/** Label sets as callers write them. */
export type Labels = Record<string, string>;

/**
 * Canonical text of a label set: '' for none, else a JSON object with keys in code-unit order. Written by
 * hand because JSON.stringify puts integer-like keys ("2") first whatever order they were added in.
 */
export function canonicalLabels(labels: Labels | undefined): string {
  if (labels === undefined) return '';
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  const parts = keys.map((k) => {
    const v = labels[k];
    if (typeof v !== 'string') throw new TypeError(`label ${JSON.stringify(k)}: value must be a string (got ${typeof v})`);
    return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
  });
  return `{${parts.join(',')}}`;
}

/** Parses canonical label text into a null-prototype object (label keys are hub strings: "__proto__" is just a key). */
export function parseLabels(text: string): Labels {
  const out = Object.create(null) as Labels;
  if (text === '') return out;
  const parsed = JSON.parse(text) as Record<string, unknown>;
  for (const k of Object.keys(parsed)) {
    const v = parsed[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** A stored series. */
export interface SeriesInfo {
  id: number;
  hub: string;
  name: string;
  labels: Labels;
}

const key = (hub: string, name: string, labelsText: string): string => `${hub}\u0000${name}\u0000${labelsText}`;

/**
 * Get-or-create of series ids with an in-memory cache (one writer, so the cache cannot go stale). Ids
 * created inside a transaction that then rolls back (SQLITE_FULL, SQLITE_BUSY) must be forgotten, or later
 * samples would point at a series row that does not exist: callers pass a list to record them in.
 */
export class SeriesRegistry {
  private readonly cache = new Map<string, number>();

  constructor(private readonly sql: Sql) {}

  /** The id of (hub, name, labels), creating the series when `create`; `created` collects new cache keys. */
  id(hub: string, name: string, labelsText: string, created?: string[]): number {
    const k = key(hub, name, labelsText);
    const cached = this.cache.get(k);
    if (cached !== undefined) return cached;
    if (typeof hub !== 'string') throw new TypeError(`series hub must be a string (got ${typeof hub})`);
    if (typeof name !== 'string' || name === '') throw new TypeError(`series name must be a non-empty string (got ${JSON.stringify(name)})`);
    let id = this.find(hub, name, labelsText);
    if (id === undefined) {
      id = Number(this.sql.stmt('INSERT INTO series (hub, name, labels) VALUES (?, ?, ?)').run(hub, name, labelsText).lastInsertRowid);
      created?.push(k);
    }
    this.cache.set(k, id);
    return id;
  }

  /** The id of an existing series, without creating it. */
  find(hub: string, name: string, labelsText: string): number | undefined {
    const cached = this.cache.get(key(hub, name, labelsText));
    if (cached !== undefined) return cached;
    const row = this.sql.stmt('SELECT id FROM series WHERE hub = ? AND name = ? AND labels = ?').get(hub, name, labelsText) as { id: number } | undefined;
    return row?.id;
  }

  /** Drops cache entries whose rows were rolled back. */
  forget(keys: readonly string[]): void {
    for (const k of keys) this.cache.delete(k);
  }

  /** Series matching a query: hub and labels are optional filters (undefined = any). */
  match(q: { hub?: string; name: string; labelsText?: string }): { id: number; hub: string; labels: string }[] {
    type Row = { id: number; hub: string; labels: string };
    if (q.hub !== undefined && q.labelsText !== undefined) {
      const id = this.find(q.hub, q.name, q.labelsText);
      return id === undefined ? [] : [{ id, hub: q.hub, labels: q.labelsText }];
    }
    if (q.hub !== undefined) {
      return this.sql.stmt('SELECT id, hub, labels FROM series WHERE hub = ? AND name = ? ORDER BY labels').all(q.hub, q.name) as Row[];
    }
    if (q.labelsText !== undefined) {
      return this.sql.stmt('SELECT id, hub, labels FROM series WHERE name = ? AND labels = ? ORDER BY hub').all(q.name, q.labelsText) as Row[];
    }
    return this.sql.stmt('SELECT id, hub, labels FROM series WHERE name = ? ORDER BY labels, hub').all(q.name) as Row[];
  }

  /** Hubs that have at least one series, sorted. */
  hubs(): string[] {
    // Hub "" holds the monitor's own series (the disk its store and the hub's logs use): not a hub.
    return (this.sql.stmt("SELECT DISTINCT hub FROM series WHERE hub <> '' ORDER BY hub").all() as { hub: string }[]).map((r) => r.hub);
  }

  /** Every series, or one hub's. */
  list(hub?: string): SeriesInfo[] {
    type Row = { id: number; hub: string; name: string; labels: string };
    const rows = (hub === undefined
      // A full listing reads the whole (small) series table through its covering index: that is the question.
      ? this.sql.stmt('SELECT id, hub, name, labels FROM series ORDER BY hub, name, labels').all()
      : this.sql.stmt('SELECT id, hub, name, labels FROM series WHERE hub = ? ORDER BY name, labels').all(hub)) as Row[];
    return rows.map((r) => ({ id: r.id, hub: r.hub, name: r.name, labels: parseLabels(r.labels) }));
  }
}
