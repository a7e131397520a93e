/**
 * Label values for /metrics come from the hub (server names, URLs) and are hostile (faults D1, D5).
 * prom-client escapes `\`, `"` and `\n` as the text format requires; on top of that we drop every other
 * control character (they break terminals and some parsers), show bidi/invisible characters as `<U+202E>`
 * (D2: the value reaches chart tooltips), and cap the length so one 10 KB name cannot bloat every scrape.
 */
import { createHash } from 'node:crypto';

/** Longest label value we emit, in code points. */
export const MAX_LABEL_LENGTH = 128;
/** The series that servers beyond the per-hub cap are folded into. */
export const OTHER_SERVER = '__other__';

// C0 (all of them: a label value is one line), DEL, C1.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const INVISIBLE = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A label value safe to expose: controls dropped, invisibles shown, at most 128 code points. A cut value
 * ends in `…` and 8 hex digits of the original's SHA-256, so two long names sharing a prefix stay two series.
 */
export function sanitizeLabelValue(value: string, max = MAX_LABEL_LENGTH): string {
  const clean = value
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(CONTROL, '')
    .replace(INVISIBLE, (ch) => `<U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
  const points = [...clean];
  if (points.length <= max) return clean;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 8);
  return `${points.slice(0, max - 10).join('')}…#${hash}`;
}

/**
 * Splits servers into the first `max` by name (kept as their own series) and the rest (folded into
 * `__other__`). Name order keeps the kept set stable between scrapes, so series do not churn.
 */
export function capServers<T extends { name: string }>(servers: readonly T[], max: number): { kept: T[]; folded: T[] } {
  const sorted = [...servers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { kept: sorted.slice(0, Math.max(0, max)), folded: sorted.slice(Math.max(0, max)) };
}

/**
 * Remembers which (hub, server) pairs were ever folded, so `mcp_hub_monitor_series_dropped_total` counts
 * each dropped series once, not once per scrape. Bounded: past `limit` entries it starts over (a name
 * seen again after that is counted again), so 10,000 random names a day cannot grow memory without end.
 */
export class DroppedSeries {
  private readonly seen = new Set<string>();
  total = 0;

  constructor(private readonly limit = 50_000) {}

  /** Records folded names; returns how many were new. */
  note(hub: string, names: readonly string[]): number {
    let added = 0;
    for (const n of names) {
      const key = `${hub}\u0000${n}`;
      if (this.seen.has(key)) continue;
      if (this.seen.size >= this.limit) this.seen.clear();
      this.seen.add(key);
      added++;
    }
    this.total += added;
    return added;
  }
}
