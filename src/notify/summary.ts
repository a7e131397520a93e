/**
 * Text shared by the human-facing channels: the title (`[FIRING:2] …`, as Alertmanager's default
 * templates), one line per alert, the top severity, and a list that stops at a limit with "+N more"
 * (Alertmanager's `truncatedAlerts`, faults C7). Every hub string is scrubbed of control characters here;
 * escaping for a markup (Slack, HTML) is the channel's job.
 */
import type { AlertBatch, AlertItem, AlertSeverity } from './types.js';
import { oneLine, runeLength } from './truncate.js';

const RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

/** Firing and resolved counts of a batch. */
export function countAlerts(batch: AlertBatch): { firing: number; resolved: number } {
  let firing = 0;
  for (const a of batch.alerts) if (a.status === 'firing') firing++;
  return { firing, resolved: batch.alerts.length - firing };
}

/** The highest severity among the firing alerts (among all when none fires); `info` for an empty batch. */
export function topSeverity(batch: AlertBatch): AlertSeverity {
  const firing = batch.alerts.filter((a) => a.status === 'firing');
  let top: AlertSeverity = 'info';
  for (const a of firing.length > 0 ? firing : batch.alerts) if (RANK[a.severity] > RANK[top]) top = a.severity;
  return top;
}

/** `[FIRING:2]` or `[RESOLVED]`, with `[TEST] ` in front for `notify test`. */
export function statusTag(batch: AlertBatch): string {
  const tag = batch.status === 'firing' ? `[FIRING:${countAlerts(batch).firing}]` : '[RESOLVED]';
  return batch.test ? `[TEST] ${tag}` : tag;
}

/**
 * The one-line title: the tag, then the alert's summary when there is one alert, else the group's label
 * values and its distinct rules, e.g. `[FIRING:3] http://127.0.0.1:7000: ServerDown, HubDown`. Not truncated.
 */
export function batchTitle(batch: AlertBatch): string {
  const only = batch.alerts.length === 1 ? batch.alerts[0] : undefined;
  if (only) return oneLine(`${statusTag(batch)} ${only.summary}`);
  const group = Object.keys(batch.groupLabels).sort().map((k) => batch.groupLabels[k]).join(' ');
  const rules = [...new Set(batch.alerts.map((a) => a.rule))];
  const shown = rules.slice(0, 5).join(', ') + (rules.length > 5 ? `, +${rules.length - 5} more` : '');
  const head = group || batch.receiver;
  return oneLine(`${statusTag(batch)} ${head}${shown ? `: ${shown}` : ''}`);
}

/** `[CRITICAL] summary` for a firing alert, `[RESOLVED] summary` for a resolved one; one line. */
export function alertLine(a: AlertItem): string {
  const tag = a.status === 'firing' ? a.severity.toUpperCase() : 'RESOLVED';
  return oneLine(`[${tag}] ${a.summary}`);
}

/** ISO time of epoch ms; Alertmanager's zero time for an absent one. */
export function isoTime(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '0001-01-01T00:00:00Z' : new Date(ms).toISOString();
}

/** How a list is cut: total size (in the measure's unit), item count, separator. */
export interface ListLimit {
  budget: number;
  maxItems: number;
  measure?: (s: string) => number;
  separator?: string;
  /** The last line when items were left out; default `+N more`. */
  more?: (n: number) => string;
}

/**
 * Joins whole items while they fit in the budget and the item limit, then adds "+N more" for the rest. Room
 * for the "+N more" line is kept whenever items remain, so the result never exceeds the budget (items are
 * expected to be cut to size beforehand; one that does not fit ends the list).
 */
export function listWithin(items: readonly string[], limit: ListLimit): string {
  const measure = limit.measure ?? runeLength;
  const sep = limit.separator ?? '\n';
  const more = limit.more ?? ((n: number) => `+${n} more`);
  const reserve = measure(sep) + measure(more(items.length));
  const out: string[] = [];
  let used = 0;
  for (let i = 0; i < items.length && i < limit.maxItems; i++) {
    const cost = (out.length > 0 ? measure(sep) : 0) + measure(items[i] as string);
    const left = items.length - i - 1;
    if (used + cost + (left > 0 ? reserve : 0) > limit.budget) break;
    out.push(items[i] as string);
    used += cost;
  }
  if (out.length < items.length) out.push(more(items.length - out.length));
  return out.join(sep);
}

/** Escapes text for HTML element content and attribute values (e-mail, notification body markup). */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
