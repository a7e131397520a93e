/**
 * Rows on their way to the store. When a write fails (disk full, database locked: faults B1, B4) the rows
 * stay here, bounded, and are flushed in order once writing works again; beyond the bound the oldest are
 * dropped and counted, never silently. A backlog is written in chunks, each its own transaction, so a
 * volume with a little space back takes what fits instead of refusing one transaction too big for it.
 */
import { directGate, type WriteGate } from '../store/write-gate.js';
import type { EventRow, SampleRow } from './observations.js';

export interface StoreWriter {
  /** `runId` lets the store move the run's last beat in the same transaction, so a gap starts exactly at the last committed row. */
  insertSamples(rows: SampleRow[], opts?: { runId?: number }): unknown;
  insertEvents(rows: EventRow[]): unknown;
}

/** Sees rows as they are written. */
export type RowTap = (samples: readonly SampleRow[], events: readonly EventRow[]) => void;

export interface WriteBufferStats {
  pendingSamples: number;
  pendingEvents: number;
  droppedSamples: number;
  droppedEvents: number;
}

/** Rows per transaction when flushing a backlog (a poll of 250 servers is ~1,300 samples). */
export const FLUSH_CHUNK_ROWS = 2_000;

export class WriteBuffer {
  private samples: SampleRow[] = [];
  private events: EventRow[] = [];
  readonly stats: WriteBufferStats = { pendingSamples: 0, pendingEvents: 0, droppedSamples: 0, droppedEvents: 0 };
  /** Called once each time rows start being dropped (the bound was reached), with what was dropped so far. */
  onDropping?: (stats: WriteBufferStats) => void;
  private dropping = false;

  private readonly maxRows: number;
  private readonly runId: number | undefined;
  private readonly gate: WriteGate;
  private readonly tap: RowTap | undefined;

  /**
   * `maxRows` per kind (samples, events); `gate`: the daemon's StoreHealth (default: try every write);
   * `tap`: sees every row as it is written, before the store does (the daemon's read model, live-state.ts).
   */
  constructor(private readonly store: StoreWriter, opts: { maxRows?: number; runId?: number; gate?: WriteGate; tap?: RowTap } = {}) {
    this.maxRows = opts.maxRows ?? 100_000;
    this.runId = opts.runId;
    this.gate = opts.gate ?? directGate();
    this.tap = opts.tap;
  }

  /** Queues rows and tries to write everything pending; returns whether the store took it. */
  write(samples: SampleRow[], events: EventRow[]): boolean {
    this.tap?.(samples, events);
    this.samples.push(...samples);
    this.events.push(...events);
    this.trim();
    return this.flush();
  }

  /** The samples not written yet, oldest first (live readers overlay them on the store: views/http). */
  pendingSamples(): readonly SampleRow[] {
    return this.samples;
  }

  /** Tries to write what is pending, events first, in chunks; returns whether everything was written. */
  flush(): boolean {
    try {
      while (this.events.length || this.samples.length) {
        const ok = this.events.length ? this.writeChunk('events') : this.writeChunk('samples');
        if (!ok) return false;
      }
      this.dropping = false;
      return true;
    } finally {
      this.sync();
    }
  }

  private writeChunk(kind: 'events' | 'samples'): boolean {
    const rows = kind === 'events' ? this.events : this.samples;
    const chunk = rows.slice(0, FLUSH_CHUNK_ROWS);
    let ok: boolean;
    try {
      ok = this.gate.attempt(() => (kind === 'events'
        ? this.store.insertEvents(chunk as EventRow[])
        : this.store.insertSamples(chunk as SampleRow[], this.runId === undefined ? undefined : { runId: this.runId }))).ok;
    } catch {
      return false; // not a refusal (a bad row): the rows stay, as before; the store's tests cover validation
    }
    if (ok) rows.splice(0, chunk.length);
    return ok;
  }

  private trim(): void {
    const over = (n: number) => Math.max(0, n - this.maxRows);
    const s = over(this.samples.length);
    if (s) { this.samples.splice(0, s); this.stats.droppedSamples += s; }
    const e = over(this.events.length);
    if (e) { this.events.splice(0, e); this.stats.droppedEvents += e; }
    if ((s || e) && !this.dropping) {
      this.dropping = true;
      this.sync();
      this.onDropping?.(this.stats);
    }
  }

  private sync(): void {
    this.stats.pendingSamples = this.samples.length;
    this.stats.pendingEvents = this.events.length;
  }
}
