/**
 * One log line → one typed entry, whatever wrote it. A hub's log may be plain text (the upstream file:
 * messages only, hub-api.md §5), the hub's console JSON `{type,message,data,timestamp,code?}`, or the fork's
 * pino JSON `{level,time,pid,hostname,…data flattened…,code?,msg}` (hub-api.md §8) — and concurrent hubs
 * share one file, so the format is decided per line, never per file.
 */
import { MAX_SERVER_CHARS, matchMessage, type LogEventKind, type LogLevel } from './log-patterns.js';
import { isRecord, own, parseJsonSafe } from './safe-json.js';

export type { LogEventKind, LogLevel } from './log-patterns.js';

/** How a line was written: plain text, the hub's console JSON, or pino JSON. */
export type LogFormat = 'text' | 'hub-json' | 'pino';

/** One classified log line. Strings are kept raw (ANSI escapes included): escaping is the views' job (faults D1). */
export interface LogEntry {
  format: LogFormat;
  level: LogLevel;
  /** The message, cut at MAX_MESSAGE_CHARS characters; lone surrogates replaced by U+FFFD (faults D9). */
  message: string;
  code?: string;
  server?: string;
  kind: LogEventKind;
  /** When the line says when it was written (JSON formats); epoch ms. */
  timeMs?: number;
  /** When we read it; the only time a text line has. */
  readAtMs: number;
  /** The line starts with `{` but is not JSON we accept (syntax, or nested deeper than 64). */
  malformed?: true;
}

/** Cap on `LogEntry.message`, in UTF-16 code units. */
export const MAX_MESSAGE_CHARS = 2048;
const MAX_CODE_CHARS = 128;
/** Latest/earliest instant a JS Date can hold; anything outside is no time at all (faults D10). */
const MAX_TIME_MS = 8.64e15;

// A Map, not an object literal: a label such as "constructor" must not find Object.prototype's.
const LABELS = new Map<string, LogLevel>([
  ['trace', 'debug'], ['debug', 'debug'], ['info', 'info'], ['warn', 'warn'], ['warning', 'warn'],
  ['error', 'error'], ['fatal', 'fatal'],
]);

/** A level label (`info`, `WARN`…) or a pino number (10 trace … 60 fatal) → our level. */
export function levelFrom(value: unknown): LogLevel {
  if (typeof value === 'string') return LABELS.get(value) ?? LABELS.get(value.toLowerCase()) ?? 'unknown';
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    // pino: trace 10, debug 20, info 30, warn 40, error 50, fatal 60; custom levels fall in the bucket below.
    if (value >= 60) return 'fatal';
    if (value >= 50) return 'error';
    if (value >= 40) return 'warn';
    if (value >= 30) return 'info';
    return 'debug';
  }
  return 'unknown';
}

type StringProto = { toWellFormed?: () => string };
const hasToWellFormed = typeof (String.prototype as StringProto).toWellFormed === 'function';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces lone surrogates (which JSON `\ud800` escapes can produce) with U+FFFD, so our own output stays valid UTF-8. */
function wellFormed(s: string): string {
  return hasToWellFormed ? (s as unknown as Required<StringProto>).toWellFormed() : s.replace(LONE_SURROGATE, '\uFFFD');
}

/** Cuts to `max` code units without splitting a surrogate pair. */
function cap(s: string, max: number): string {
  if (s.length <= max) return s;
  const c = s.charCodeAt(max - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

function isBlank(s: string): boolean {
  if (s.length === 0) return true;
  const c = s.charCodeAt(0);
  // Only a line that starts with white space can be all white space; skip trim() for the rest.
  return (c === 32 || c === 9 || c === 13 || c === 12 || c === 11 || c === 0xa0 || c === 0xfeff) && s.trim() === '';
}

/** A short identifier-like string from JSON (code, server); numbers are accepted as codes (`-32001`). */
function shortString(v: unknown, max: number, numbers: boolean): string | undefined {
  if (typeof v === 'string') return v.length ? wellFormed(cap(v, max)) : undefined;
  if (numbers && typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** `2026-11-24T19:24:16.632Z`, read by hand because Date.parse costs more than the rest of a line. */
function parseIso(s: string): number | undefined {
  if (s.length === 24 && s.charCodeAt(23) === 90 /* Z */ && s.charCodeAt(10) === 84 /* T */) {
    const d = (i: number) => s.charCodeAt(i) - 48;
    const n = (i: number, w: number) => {
      let v = 0;
      for (let k = i; k < i + w; k++) {
        const x = d(k);
        if (x < 0 || x > 9) return NaN;
        v = v * 10 + x;
      }
      return v;
    };
    const t = Date.UTC(n(0, 4), n(5, 2) - 1, n(8, 2), n(11, 2), n(14, 2), n(17, 2), n(20, 3));
    // Date.UTC rolls over (month 13, second 75); only a date that reads back the same is accepted.
    if (Number.isFinite(t) && new Date(t).toISOString() === s) return t;
  }
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

function timeFrom(v: unknown): number | undefined {
  const t = typeof v === 'string' ? parseIso(v) : typeof v === 'number' ? v : undefined;
  return t !== undefined && Number.isFinite(t) && Math.abs(t) <= MAX_TIME_MS ? t : undefined;
}

function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object') return String(v);
  return JSON.stringify(v);
}

function entry(
  format: LogFormat, level: LogLevel, rawMessage: string, readAtMs: number,
  code: string | undefined, server: string | undefined, timeMs: number | undefined,
): LogEntry {
  const facts = matchMessage(rawMessage);
  return {
    format,
    level: format === 'text' ? facts.level : level,
    message: wellFormed(cap(rawMessage, MAX_MESSAGE_CHARS)),
    code: code ?? facts.code,
    server: server ?? facts.server,
    kind: facts.kind,
    timeMs,
    readAtMs,
  };
}

/** A parsed JSON object → an entry, or undefined when it is neither pino nor hub JSON. Own properties only (faults D6). */
function fromJson(obj: Record<string, unknown>, readAtMs: number): LogEntry | undefined {
  const msg = own(obj, 'msg');
  const level = own(obj, 'level');
  if (msg !== undefined && (typeof level === 'string' || typeof level === 'number')) {
    // pino flattens the log call's data into the top level, code included.
    const server = shortString(own(obj, 'server'), MAX_SERVER_CHARS, false)
      ?? shortString(own(obj, 'serverName'), MAX_SERVER_CHARS, false);
    return entry('pino', levelFrom(level), toText(msg), readAtMs,
      shortString(own(obj, 'code'), MAX_CODE_CHARS, true), server, timeFrom(own(obj, 'time')));
  }
  const type = own(obj, 'type');
  const message = own(obj, 'message');
  if (typeof type === 'string' && message !== undefined) {
    const data = own(obj, 'data');
    const d = isRecord(data) ? data : undefined;
    const code = shortString(own(obj, 'code'), MAX_CODE_CHARS, true)
      ?? (d && shortString(own(d, 'code'), MAX_CODE_CHARS, true));
    const server = d && (shortString(own(d, 'server'), MAX_SERVER_CHARS, false)
      ?? shortString(own(d, 'serverName'), MAX_SERVER_CHARS, false));
    return entry('hub-json', levelFrom(type), toText(message), readAtMs, code, server, timeFrom(own(obj, 'timestamp')));
  }
  return undefined;
}

function classify(line: string, readAtMs: number): LogEntry | undefined {
  const s = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  if (isBlank(s)) return undefined;
  if (s.charCodeAt(0) === 123 /* { */) {
    const parsed = parseJsonSafe(s);
    if (!parsed.ok) return { ...entry('text', 'unknown', s, readAtMs, undefined, undefined, undefined), malformed: true };
    if (isRecord(parsed.value)) {
      const e = fromJson(parsed.value, readAtMs);
      if (e) return e;
    }
  }
  // Valid JSON of another shape is still a line someone wrote: keep it as text.
  return entry('text', 'unknown', s, readAtMs, undefined, undefined, undefined);
}

/**
 * Classifies one log line (without its `\n`): undefined for a blank line, else an entry whose format is
 * decided by this line alone. Pure; never throws, whatever the input.
 */
export function classifyLine(line: string, readAtMs: number): LogEntry | undefined {
  try {
    return classify(line, readAtMs);
  } catch {
    // Not reachable with the code above; a log reader must still never die on one line.
    return { format: 'text', level: 'unknown', message: '', kind: 'other', readAtMs, malformed: true };
  }
}
