/**
 * Durable delivery from the outbox: at most one attempt in flight per (group, receiver), each with a total
 * deadline; retry only what retrying can help (the notifier's Delivery says which), with exponential
 * backoff and full jitter from 1 s to a 5 min cap, honouring Retry-After up to the cap; give up after a
 * 24 h horizon. The notification log row is written in the transaction that marks the entry delivered,
 * so a kill -9 mid-send leaves at most one duplicate (faults §4.5, C1–C5).
 */
import type { AlertBatch, Delivery, Notifier, NotifierLogger, QueuedBatch } from '../notify/types.js';
import type { AlertStore, OutboxRow } from '../store/alert-store.js';
import { notificationKey } from './dispatch.js';

/** What delivery needs of the outbox: the store's table, or the daemon's Outbox (outbox.ts) that also keeps memory. */
export type OutboxStore = Pick<AlertStore, 'due' | 'nextDue' | 'markDelivered' | 'markRetry' | 'markDone'>;

export interface DelivererDeps {
  store: OutboxStore;
  notifiers: ReadonlyMap<string, Notifier>;
  now: () => number;
  /** [0, 1); injected so backoff is testable. */
  random?: () => number;
  timeoutMs: number;
  log: Pick<NotifierLogger, 'info' | 'warn'>;
  /** A receiver failed permanently, or recovered (for the notifier.broken meta-alert). */
  onReceiverHealth?: (receiver: string, broken: { error: string } | undefined) => void;
  /** Outcome counters, for metrics. */
  onOutcome?: (receiver: string, outcome: Delivery['kind'] | 'expired') => void;
}

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 300_000;
export const HORIZON_MS = 86_400_000;

/** Full-jitter exponential backoff after `attempts` failed attempts, or the hinted Retry-After (capped). */
export function retryDelayMs(attempts: number, retryAfterMs: number | undefined, random: () => number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, BACKOFF_CAP_MS);
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempts, 20));
  return Math.max(100, Math.floor(random() * ceiling));
}

export class Deliverer {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly controllers = new Set<AbortController>();
  private stopped = false;
  private readonly lastSendAt = new Map<string, number>();
  /** Nothing is due before this (wall ms); reset by wake(). */
  private idleUntil = 0;

  /** Something was queued: look at the outbox on the next tick. */
  wake(): void {
    this.idleUntil = 0;
  }

  constructor(private readonly deps: DelivererDeps) {}

  /** The daemon's time line followed a forward step by `ms`: each receiver's rate limit keeps counting monotonic time (faults F7). */
  shiftTimes(ms: number): void {
    for (const [receiver, t] of this.lastSendAt) this.lastSendAt.set(receiver, t + ms);
    this.idleUntil = 0;
  }

  /** Starts every due attempt that is not blocked by one in flight for the same group and receiver. */
  tick(): void {
    if (this.stopped) return;
    const now = this.deps.now();
    // The daemon ticks every second; with nothing due, ask the store only when the next entry is due.
    if (now < this.idleUntil) return;
    const rows = this.deps.store.due(now);
    if (rows.length === 0 && this.inFlight.size === 0) this.idleUntil = this.deps.store.nextDue() ?? Infinity;
    for (const row of rows) {
      const key = `${row.groupKey}\0${row.receiver}`;
      if (this.inFlight.has(key)) continue;
      // Never faster than the receiver's service allows (faults C3): the entry waits for a later tick.
      const gap = this.deps.notifiers.get(row.receiver)?.minIntervalMs ?? 0;
      if (gap > 0 && now - (this.lastSendAt.get(row.receiver) ?? -Infinity) < gap) continue;
      this.lastSendAt.set(row.receiver, now);
      const p = this.attempt(row).finally(() => { this.inFlight.delete(key); this.idleUntil = 0; });
      this.inFlight.set(key, p);
    }
  }

  /** Waits for the attempts in flight (for tests and a clean stop). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight.values()]);
  }

  /** Aborts attempts in flight; their entries stay pending and are retried at the next start. */
  async stop(graceMs = 1_000): Promise<void> {
    this.stopped = true;
    const grace = new Promise<void>((r) => setTimeout(r, graceMs).unref());
    await Promise.race([this.idle(), grace]);
    for (const c of this.controllers) c.abort();
  }

  private async attempt(row: OutboxRow): Promise<void> {
    const { store, now, log } = this.deps;
    const notifier = this.deps.notifiers.get(row.receiver);
    if (!notifier) {
      store.markDone(row.id, 'failed_permanent', now(), `receiver "${row.receiver}" is not configured any more`, null, false);
      return;
    }
    if (now() - row.createdAt > HORIZON_MS) {
      store.markDone(row.id, 'expired', now(), row.lastError ?? 'not delivered within 24 h', row.lastStatus, false);
      this.deps.onOutcome?.(row.receiver, 'expired');
      log.warn({ receiver: row.receiver, attempts: row.attempts }, 'notification expired undelivered');
      return;
    }
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), this.deps.timeoutMs + 500);
    let d: Delivery;
    try {
      const batch: AlertBatch = { ...(JSON.parse(row.payload) as QueuedBatch), idempotencyKey: notificationKey(row) };
      d = await notifier.send(batch, controller.signal);
    } catch (err) {
      // A notifier must not throw; if one does, its message may hold a secret: keep only the class.
      d = { kind: 'retry', error: `notifier threw ${(err as Error)?.name ?? 'an error'}` };
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
    if (this.stopped && controller.signal.aborted) return; // shutting down: stays pending
    const t = now();
    this.deps.onOutcome?.(row.receiver, d.kind);
    switch (d.kind) {
      case 'sent':
        store.markDelivered(row, t, d.status ?? null);
        this.deps.onReceiverHealth?.(row.receiver, undefined);
        log.info({ receiver: row.receiver, group: row.groupKey, firing: row.firing.length, resolved: row.resolved.length, attempts: row.attempts + 1 }, 'notification delivered');
        break;
      case 'retry': {
        const delay = retryDelayMs(row.attempts, d.retryAfterMs, this.deps.random ?? Math.random);
        store.markRetry(row.id, t + delay, d.error, d.status ?? null);
        log.warn({ receiver: row.receiver, error: d.error, status: d.status, retryInMs: delay, attempts: row.attempts + 1 }, 'notification failed; will retry');
        break;
      }
      case 'failed':
        store.markDone(row.id, 'failed_permanent', t, d.error, d.status ?? null);
        this.deps.onReceiverHealth?.(row.receiver, { error: d.error });
        log.warn({ receiver: row.receiver, error: d.error, status: d.status }, 'notification failed permanently; not retried');
        break;
      case 'skipped':
        store.markDone(row.id, 'skipped', t, d.reason, null);
        break;
    }
  }
}
