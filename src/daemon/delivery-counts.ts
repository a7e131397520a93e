/** Delivery outcomes since the alerting started: receiver → outcome (sent, retry, failed, expired) → count. */
export class DeliveryCounts {
  private readonly counts: Record<string, Record<string, number>> = {};

  note(receiver: string, outcome: string): void {
    const r = (this.counts[receiver] ??= {});
    r[outcome] = (r[outcome] ?? 0) + 1;
  }

  /** The live counts (read-only to callers). */
  all(): Readonly<Record<string, Readonly<Record<string, number>>>> {
    return this.counts;
  }
}
