/**
 * Number, time and size formats shared by the Markdown and HTML reports, so both show the very same text.
 * Times are UTC (a report must not depend on the machine's time zone); sizes in decimal MB, as `check`.
 */
import { formatDuration } from '../config/duration.js';
import type { Availability } from '../evaluate/report-model.js';

/** `2026-01-08 10:00Z`. */
export function fmtTime(t: number): string {
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** A duration: `30m`, `2h`, `0s`. */
export function fmtDuration(ms: number): string {
  return ms <= 0 ? '0s' : formatDuration(ms);
}

/** A percentage with `digits` decimals; null is unknown (no data), never 0 %. */
export function fmtPercent(p: number | null, digits = 3): string {
  return p === null || !Number.isFinite(p) ? 'unknown' : `${p.toFixed(digits)}%`;
}

/** `99.701% (9990/10020)`, or `no polls`. */
export function fmtAvailability(a: Availability): string {
  return a.percent === null ? 'no polls' : `${fmtPercent(a.percent)} (${a.good}/${a.total})`;
}

/** A signed relative change, `+12.5%`, `-3.0%`, or `—` when there is nothing to compare with. */
export function fmtChange(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return '—';
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}

/** Bytes as decimal MB with one decimal: `142.3 MB`. */
export function fmtMb(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined || !Number.isFinite(bytes) ? '—' : `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** Milliseconds with up to 3 decimals: `12.5 ms`. */
export function fmtMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? '—' : `${Number(ms.toFixed(3))} ms`;
}
