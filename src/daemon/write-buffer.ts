/**
 * Rows on their way to the store. When a write fails (disk full, database locked: faults B1, B4) the rows
 * stay here, bounded, and are flushed in order once writing works again; beyond the bound the oldest are
 * dropped and counted, never silently.
 */
import type { EventRow, SampleRow } from './observations.js';

export interface StoreWriter {
  /** `runId` lets the store move the run's last beat in the same transaction, so a gap starts exactly at the last committed row. */
  insertSamples(rows: SampleRow[], opts?: { runId?: number }): unknown;
  insertEvents(rows: EventRow[]): unknown;
}

export interface WriteBufferStats {
  pendingSamples: number;
  pendingEvents: number;
  droppedSamples: number;
  droppedEvents: number;
  lastError?: string;
  failingSince?: number;
}

export class WriteBuffer {
  private samples: SampleRow[] = [];
  private events: EventRow[] = [];
  readonly stats: WriteBufferStats = { pendingSamples: 0, pendingEvents: 0, droppedSamples: 0, droppedEvents: 0 };

  constructor(
    private readonly store: StoreWriter,
    private readonly maxRows = 100_000,
    private readonly now: () => number = Date.now,
    private readonly runId?: number,
  ) {}

  /** Queues rows and tries to write everything pending; returns whether the store took it. */
  write(samples: SampleRow[], events: EventRow[]): boolean {
    this.samples.push(...samples);
    this.events.push(...events);
    this.trim();
    return this.flush();
  }

  /** Tries to write what is pending. */
  flush(): boolean {
    try {
      if (this.events.length) {
        this.store.insertEvents(this.events);
        this.events = [];
      }
      if (this.samples.length) {
        this.store.insertSamples(this.samples, this.runId === undefined ? undefined : { runId: this.runId });
        this.samples = [];
      }
      this.stats.lastError = undefined;
      this.stats.failingSince = undefined;
      this.sync();
      return true;
    } catch (err) {
      this.stats.lastError = `${(err as NodeJS.ErrnoException).code ?? 'error'}: ${(err as Error).message}`;
      this.stats.failingSince ??= this.now();
      this.sync();
      return false;
    }
  }

  private trim(): void {
    const over = (n: number) => Math.max(0, n - this.maxRows);
    const s = over(this.samples.length);
    if (s) { this.samples.splice(0, s); this.stats.droppedSamples += s; }
    const e = over(this.events.length);
    if (e) { this.events.splice(0, e); this.stats.droppedEvents += e; }
  }

  private sync(): void {
    this.stats.pendingSamples = this.samples.length;
    this.stats.pendingEvents = this.events.length;
  }
}
