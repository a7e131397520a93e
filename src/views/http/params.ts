/**
 * Query parameters of the JSON API, validated strictly: an unknown or repeated parameter, a bad time or
 * limit is a 400 whose JSON names the parameter, never a guess (a typo'd `form=` silently meaning "the
 * last hour" is a wrong chart nobody notices).
 */
import { DURATION_HINT, parseDuration } from '../../config/duration.js';
import { ParamError } from '../../errors.js';

/** Longest parameter value we read at all (hub URLs included). */
const MAX_VALUE_LENGTH = 2_048;

/** The parameters of a query as a map; throws on an unknown, repeated or oversized one. */
export function readParams(search: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of search) {
    const shown = JSON.stringify(k.slice(0, 40));
    if (!allowed.includes(k)) throw new ParamError(k.slice(0, 40), `unknown parameter ${shown}; this route takes ${allowed.length ? allowed.join(', ') : 'none'}`);
    if (out.has(k)) throw new ParamError(k, 'given more than once');
    if (v.length > MAX_VALUE_LENGTH) throw new ParamError(k, `longer than ${MAX_VALUE_LENGTH} characters`);
    out.set(k, v);
  }
  return out;
}

/** A time: epoch milliseconds, an ISO 8601 time, `now`, or a duration meaning that long ago (`1h`). */
export function parseTimeParam(text: string, now: number, parameter: string): number {
  if (text === 'now') return now;
  if (/^\d{1,15}$/.test(text)) return Number(text);
  const ago = parseDuration(text);
  if (ago !== undefined) return now - ago;
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (Number.isFinite(t)) return t;
  }
  throw new ParamError(parameter, `not a time (got ${JSON.stringify(text.slice(0, 60))}); give epoch ms, an ISO time, "now", or a duration ago (${DURATION_HINT})`);
}

/** A [from, to) range: defaults to the last `defaultSpanMs`; from must be before to, and the span at most `maxSpanMs`. */
export function parseRange(p: Map<string, string>, now: number, defaultSpanMs: number, maxSpanMs: number): { from: number; to: number } {
  const to = p.has('to') ? parseTimeParam(p.get('to')!, now, 'to') : now + 1;
  const from = p.has('from') ? parseTimeParam(p.get('from')!, now, 'from') : to - defaultSpanMs;
  if (!(from < to)) throw new ParamError('from', 'must be before to');
  if (to - from > maxSpanMs) throw new ParamError('from', `range longer than ${Math.round(maxSpanMs / 86_400_000)} days`);
  return { from, to };
}

/** A positive whole number, capped at `max` (a larger ask gets `max`, not an error: it is a page size). */
export function parseLimit(text: string | undefined, def: number, max: number, parameter = 'limit'): number {
  if (text === undefined) return def;
  if (!/^\d{1,9}$/.test(text) || Number(text) === 0) throw new ParamError(parameter, `a positive whole number (got ${JSON.stringify(text.slice(0, 20))})`);
  return Math.min(Number(text), max);
}

/** One of a closed set of words. */
export function parseChoice<T extends string>(text: string | undefined, choices: readonly T[], def: T, parameter: string): T {
  if (text === undefined) return def;
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new ParamError(parameter, `one of ${choices.join(', ')} (got ${JSON.stringify(text.slice(0, 20))})`);
}

/** A name from a closed alphabet (series names, event types): stops odd strings before they reach SQL. */
export function parseName(text: string | undefined, parameter: string, required: boolean): string | undefined {
  if (text === undefined) {
    if (required) throw new ParamError(parameter, 'required');
    return undefined;
  }
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(text)) throw new ParamError(parameter, `letters, digits, _ . : - only, at most 100 (got ${JSON.stringify(text.slice(0, 40))})`);
  return text;
}
