/** Durations as users write them (`500ms`, `30s`, `5m`, `4h`, `1d`), parsed without zod so `check` stays lean. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/** Hint appended to every "not a duration" error. */
export const DURATION_HINT = 'Write a number and a unit: 500ms, 30s, 5m, 4h, 1d';

/** Parses a duration string to milliseconds; returns undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  let total = 0;
  // Compound forms such as "1m30s" are accepted, as Prometheus does.
  const parts = text.trim().match(/\d+(?:\.\d+)?(?:ms|s|m|h|d|w)/g);
  if (!parts || parts.join('') !== text.trim()) return undefined;
  for (const part of parts) {
    const m = DURATION_RE.exec(part);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Formats milliseconds compactly for humans: 1500 → "1.5s", 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  let rest = Math.round(ms / 1000) * 1000;
  let out = '';
  for (const [u, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) { out += `${n}${u}`; rest -= n * size; }
    if (out.length >= 6) break; // two units are enough to read at a glance
  }
  return out;
}

/** A stored time up to this far in the future of `now` is clock noise, not a step. */
const FUTURE_NOISE_MS = 2_000;

/**
 * An age or a time elapsed (`now − t`) for people, never negative: a time stamped in the future — the wall
 * clock stepped back since it was stored — reads `0s (stamped 59m in the future: the clock stepped back)`
 * (faults F7). `ago` appends " ago" to a plain age.
 */
export function formatElapsed(ms: number, opts: { ago?: boolean } = {}): string {
  const suffix = opts.ago ? ' ago' : '';
  if (!(ms < -FUTURE_NOISE_MS)) return `${formatDuration(Math.max(0, ms))}${suffix}`;
  return `0s${suffix} (stamped ${formatDuration(-ms)} in the future: the clock stepped back)`;
}

/** Whether a stored time lies beyond clock noise in the future of `now` (the clock stepped back since). */
export const inFuture = (now: number, t: number): boolean => t - now > FUTURE_NOISE_MS;
