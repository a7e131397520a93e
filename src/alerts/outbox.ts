/**
 * The outbox as the pipeline and the deliverer see it: the store's outbox table while the store takes
 * writes, and memory while it does not (issue I, faults F1), so a notification still goes out with the
 * disk full. A notification the store refused is kept here (with a negative id) and delivered from here;
 * an outcome the store refused (delivered, retry, given up) is kept as an overlay on its row, so the row is
 * not sent twice. Both are written to the store, in order, once it takes writes again — the notification
 * log and the intents a restart reads included, so nothing is notified again. Memory is bounded.
 */
import type { AlertStore, OutboxRow } from '../store/alert-store.js';
import type { WriteGate } from '../store/write-gate.js';

type Enqueue = Parameters<AlertStore['enqueue']>[0];
type DoneState = 'failed_permanent' | 'expired' | 'skipped';

/** An outcome of a stored row that the store refused: applied to the row when it takes writes again. */
interface Overlay {
  /** Failed attempts not stored yet. */
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  lastStatus: number | null;
  done?: { state: DoneState | 'delivered'; at: number; row: OutboxRow; attempted: boolean };
}

/** Most notifications kept in memory; beyond it the oldest finished ones go first, then the oldest pending. */
export const MEMORY_OUTBOX_MAX = 1_000;

const keyOf = (r: { groupKey: string; receiver: string }) => `${r.groupKey}\0${r.receiver}`;

export class Outbox {
  private entries: OutboxRow[] = [];
  private readonly overlays = new Map<number, Overlay>();
  /** Memory ids whose entry has been stored since, for outcomes of attempts that were in flight. */
  private readonly storedAs = new Map<number, number>();
  private nextId = -1;
  /** Notifications dropped from memory (the bound) before the store took them. */
  dropped = 0;

  constructor(private readonly store: AlertStore, private readonly gate: WriteGate, private readonly max = MEMORY_OUTBOX_MAX) {}

  /** Queues a notification (superseding a pending one of the same group and receiver); returns its id. */
  enqueue(o: Enqueue): number {
    // What memory holds is older: it goes to the store first, or this one joins it (the order is the intent).
    const stored = this.persist() ? this.gate.attempt(() => this.store.enqueue(o)) : { ok: false as const };
    if (stored.ok) return stored.value;
    const key = keyOf(o);
    this.entries = this.entries.filter((e) => e.state !== 'pending' || keyOf(e) !== key);
    const id = this.nextId--;
    this.entries.push({
      id, groupKey: o.groupKey, receiver: o.receiver, payload: o.payload, firing: o.firing, resolved: o.resolved, state: 'pending',
      attempts: 0, createdAt: o.now, nextAttemptAt: o.now, lastError: null, lastStatus: null, doneAt: null,
    });
    this.trim();
    return id;
  }

  /** Entries due now: the store's (less those memory has done, delayed or superseded) and memory's. */
  due(now: number): OutboxRow[] {
    const newerInMemory = new Set(this.entries.map(keyOf));
    const stored: OutboxRow[] = [];
    for (const row of this.readStore(() => this.store.due(now), [])) {
      const o = this.overlays.get(row.id);
      if (o?.done || newerInMemory.has(keyOf(row))) continue;
      const r = o ? { ...row, attempts: row.attempts + o.attempts, nextAttemptAt: o.nextAttemptAt, lastError: o.lastError, lastStatus: o.lastStatus } : row;
      if (r.nextAttemptAt <= now) stored.push(r);
    }
    const memory = this.entries.filter((e) => e.state === 'pending' && e.nextAttemptAt <= now);
    return [...stored, ...memory].sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  }

  /** When the next entry is due, if any (an overlaid row may make it early: due() then skips it). */
  nextDue(): number | undefined {
    const times = this.entries.filter((e) => e.state === 'pending').map((e) => e.nextAttemptAt);
    for (const o of this.overlays.values()) if (!o.done) times.push(o.nextAttemptAt);
    const fromStore = this.readStore(() => this.store.nextDue(), undefined);
    if (fromStore !== undefined) times.push(fromStore);
    return times.length ? Math.min(...times) : undefined;
  }

  markDelivered(row: OutboxRow, now: number, status: number | null): void {
    this.finish(row, { state: 'delivered', at: now, status, error: null, attempted: true }, () => this.store.markDelivered(row, now, status));
  }

  markRetry(id: number, nextAt: number, error: string, status: number | null): void {
    const memory = this.memoryEntry(id);
    if (memory) {
      if (memory.state === 'pending') Object.assign(memory, { attempts: memory.attempts + 1, nextAttemptAt: nextAt, lastError: error, lastStatus: status });
      return;
    }
    const target = this.storedAs.get(id) ?? id;
    const o = this.overlays.get(target);
    if (!o && this.gate.attempt(() => this.store.markRetry(target, nextAt, error, status)).ok) return;
    this.overlays.set(target, { attempts: (o?.attempts ?? 0) + 1, nextAttemptAt: nextAt, lastError: error, lastStatus: status });
  }

  markDone(id: number, state: DoneState, now: number, error: string, status: number | null, attempted = true): void {
    const row = this.memoryEntry(id) ?? ({ id } as OutboxRow);
    this.finish(row, { state, at: now, status, error, attempted }, () => this.store.markDone(this.storedAs.get(id) ?? id, state, now, error, status, attempted));
  }

  /** Notifications waiting: the store's pending rows (less those done in memory) and memory's. */
  pendingDepth(): number {
    const doneInMemory = [...this.overlays.values()].filter((o) => o.done).length;
    return Math.max(0, this.readStore(() => this.store.pendingDepth(), 0) - doneInMemory) + this.entries.filter((e) => e.state === 'pending').length;
  }

  /** Entries and outcomes kept in memory, not yet in the store. */
  memoryDepth(): number {
    return this.entries.length + this.overlays.size;
  }

  /** Writes what memory holds to the store, oldest first; returns whether memory is empty now. */
  persist(): boolean {
    if (this.entries.length === 0 && this.overlays.size === 0) return true;
    const r = this.gate.attempt(() => this.store.transaction(() => {
      for (const [id, o] of this.overlays) {
        if (o.attempts) this.store.markRetry(id, o.nextAttemptAt, o.lastError ?? '', o.lastStatus, o.attempts);
        if (o.done?.state === 'delivered') this.store.markDelivered(o.done.row, o.done.at, o.lastStatus);
        else if (o.done) this.store.markDone(id, o.done.state, o.done.at, o.lastError ?? '', o.lastStatus, o.done.attempted);
      }
      return this.entries.map((e) => [e.id, this.store.storeOutboxRow(e)] as const);
    }));
    if (!r.ok) return false;
    for (const [memoryId, id] of r.value) this.storedAs.set(memoryId, id);
    // Only attempts in flight while they were stored need the mapping: keep the newest few hundred.
    for (const k of this.storedAs.keys()) if (this.storedAs.size > this.max) this.storedAs.delete(k);
    this.entries = [];
    this.overlays.clear();
    return true;
  }

  private memoryEntry(id: number): OutboxRow | undefined {
    return id < 0 && !this.storedAs.has(id) ? this.entries.find((e) => e.id === id) : undefined;
  }

  private finish(row: OutboxRow, d: { state: DoneState | 'delivered'; at: number; status: number | null; error: string | null; attempted: boolean }, write: () => void): void {
    const memory = this.memoryEntry(row.id);
    if (memory) {
      if (memory.state !== 'pending') return;
      Object.assign(memory, { state: d.state, attempts: memory.attempts + (d.attempted ? 1 : 0), lastStatus: d.status, doneAt: d.at, ...(d.error !== null ? { lastError: d.error } : {}) });
      this.trim();
      return;
    }
    const target = this.storedAs.get(row.id) ?? row.id;
    const o = this.overlays.get(target);
    if (!o && this.gate.attempt(write).ok) return;
    const stored = target === row.id ? row : { ...row, id: target };
    this.overlays.set(target, {
      attempts: o?.attempts ?? 0, nextAttemptAt: o?.nextAttemptAt ?? d.at, lastError: d.error ?? o?.lastError ?? null, lastStatus: d.status,
      done: { state: d.state, at: d.at, row: stored, attempted: d.attempted },
    });
  }

  private trim(): void {
    while (this.entries.length > this.max) {
      const finished = this.entries.findIndex((e) => e.state !== 'pending');
      this.entries.splice(finished >= 0 ? finished : 0, 1);
      this.dropped++;
    }
  }

  /** A read; a store that cannot even be read gives the fallback (memory still answers). */
  private readStore<T>(read: () => T, fallback: T): T {
    try {
      return read();
    } catch {
      return fallback;
    }
  }
}
