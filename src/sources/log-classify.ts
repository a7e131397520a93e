/**
 * One log line → one typed entry, whatever wrote it. A hub's log may be plain text (the upstream file:
 * messages only, hub-api.md §5), the hub's console JSON `{type,message,data,timestamp,code?}`, or the fork's
 * pino JSON `{level,time,pid,hostname,…data flattened…,code?,msg}` (hub-api.md §8) — and concurrent hubs
 * share one file, so the format is decided per line, never per file.
 */
import { scanJsonFields, type JsonFields } from './log-fastjson.js';
import { MAX_SERVER_CHARS, matchMessage, type LogEventKind, type LogLevel } from './log-patterns.js';
import { MAX_JSON_DEPTH, isRecord, own, parseJsonSafe } from './safe-json.js';

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

// The last minute parsed (`2026-11-24T19:24:`) and its epoch ms: a cache only, so classifyLine stays pure.
let minuteKey = '';
let minuteBase: number | undefined;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Digits of `s` at [i, i + w) as a number, or -1 when one is not a digit. */
function digits(s: string, i: number, w: number): number {
  let v = 0;
  for (let k = i; k < i + w; k++) {
    const x = s.charCodeAt(k) - 48;
    if (x < 0 || x > 9) return -1;
    v = v * 10 + x;
  }
  return v;
}

/**
 * Date.parse, with `2026-11-24T19:24:16.632Z` (what both the hub and pino write) read by hand: Date.parse
 * cost more than everything else done to a line. Anything else, out-of-range fields included, goes to
 * Date.parse, so the result is always Date.parse's.
 */
export function parseIso(s: string): number | undefined {
  // Consecutive lines share their minute: reuse it and read only seconds and milliseconds.
  if (s.length === 24 && minuteBase !== undefined && s.startsWith(minuteKey) && s.charCodeAt(19) === 46 && s.charCodeAt(23) === 90) {
    const sec = digits(s, 17, 2), ms = digits(s, 20, 3);
    if (sec >= 0 && sec <= 59 && ms >= 0) return minuteBase + sec * 1000 + ms;
  }
  if (s.length === 24 && s.charCodeAt(23) === 90 /* Z */ && s.charCodeAt(10) === 84 /* T */ && s.charCodeAt(4) === 45
    && s.charCodeAt(7) === 45 && s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58 && s.charCodeAt(19) === 46) {
    const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
    const h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2), ms = digits(s, 20, 3);
    const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
    // Date.UTC would roll 2026-02-30 over into March; such a date is no date, as for Date.parse.
    const monthDays = mo >= 1 && mo <= 12 ? (DAYS_IN_MONTH[mo - 1] as number) + (mo === 2 && leap ? 1 : 0) : 0;
    // Date.UTC reads years 0–99 as 1900–1999; those (and every odd case) are left to Date.parse.
    if (y >= 1000 && d >= 1 && d <= monthDays && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && sec >= 0 && sec <= 59 && ms >= 0) {
      minuteKey = s.slice(0, 17);
      minuteBase = Date.UTC(y, mo - 1, d, h, mi);
      return minuteBase + sec * 1000 + ms;
    }
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

/** Fields of a JSON object → a pino or hub-json entry, or undefined when it is neither. */
function entryFromFields(f: JsonFields, readAtMs: number): LogEntry | undefined {
  if (f.msg !== undefined && (typeof f.level === 'string' || typeof f.level === 'number')) {
    // pino flattens the log call's data into the top level, code included.
    const server = shortString(f.server, MAX_SERVER_CHARS, false) ?? shortString(f.serverName, MAX_SERVER_CHARS, false);
    return entry('pino', levelFrom(f.level), toText(f.msg), readAtMs,
      shortString(f.code, MAX_CODE_CHARS, true), server, timeFrom(f.time));
  }
  if (typeof f.type === 'string' && f.message !== undefined) {
    const d = f.data;
    const code = shortString(f.code, MAX_CODE_CHARS, true) ?? (d && shortString(d.code, MAX_CODE_CHARS, true));
    const server = d && (shortString(d.server, MAX_SERVER_CHARS, false) ?? shortString(d.serverName, MAX_SERVER_CHARS, false));
    return entry('hub-json', levelFrom(f.type), toText(f.message), readAtMs, code, server, timeFrom(f.timestamp));
  }
  return undefined;
}

/** A parsed JSON object → an entry, or undefined when it is neither pino nor hub JSON. Own properties only (faults D6). */
function fromJson(obj: Record<string, unknown>, readAtMs: number): LogEntry | undefined {
  const data = own(obj, 'data');
  return entryFromFields({
    msg: own(obj, 'msg'),
    level: own(obj, 'level'),
    type: own(obj, 'type'),
    message: own(obj, 'message'),
    code: own(obj, 'code'),
    server: own(obj, 'server'),
    serverName: own(obj, 'serverName'),
    time: own(obj, 'time'),
    timestamp: own(obj, 'timestamp'),
    data: isRecord(data) ? { code: own(data, 'code'), server: own(data, 'server'), serverName: own(data, 'serverName') } : undefined,
  }, readAtMs);
}

const MALFORMED = Symbol('malformed');

/** True when `s` has more than MAX_JSON_DEPTH `{`/`[` characters, the least a too-deep text needs. */
function mayBeTooDeep(s: string): boolean {
  let n = 0;
  for (let i = s.indexOf('{'); i !== -1; i = s.indexOf('{', i + 1)) if (++n > MAX_JSON_DEPTH) return true;
  for (let i = s.indexOf('['); i !== -1; i = s.indexOf('[', i + 1)) if (++n > MAX_JSON_DEPTH) return true;
  return false;
}

/**
 * JSON.parse with parseJsonSafe's depth cap. Nesting depth can never exceed the number of `{` and `[`
 * characters, so a line with at most 64 of them (every real log line) skips parseJsonSafe's char-by-char
 * depth walk — which cost as much as JSON.parse itself — with exactly the same verdicts.
 */
function parseJson(s: string): unknown {
  if (mayBeTooDeep(s)) {
    const r = parseJsonSafe(s);
    return r.ok ? r.value : MALFORMED;
  }
  try {
    return JSON.parse(s);
  } catch {
    return MALFORMED;
  }
}

function classify(line: string, readAtMs: number): LogEntry | undefined {
  const s = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  if (isBlank(s)) return undefined;
  if (s.charCodeAt(0) === 123 /* { */) {
    // Most JSON lines are read by the fast path; what it declines, JSON.parse decides.
    const fields = scanJsonFields(s);
    if (fields) return entryFromFields(fields, readAtMs) ?? entry('text', 'unknown', s, readAtMs, undefined, undefined, undefined);
    const parsed = parseJson(s);
    if (parsed === MALFORMED) return { ...entry('text', 'unknown', s, readAtMs, undefined, undefined, undefined), malformed: true };
    if (isRecord(parsed)) {
      const e = fromJson(parsed, readAtMs);
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
