/**
 * One log line → one typed entry, whatever wrote it. A hub's log may be plain text (the upstream file:
 * messages only, docs/hub-api.md §5), the hub's console JSON `{type,message,data,timestamp,code?}`, or the fork's
 * pino JSON `{level,time,pid,hostname,…data flattened…,code?,msg}` (docs/hub-api.md §8) — and concurrent hubs
 * share one file, so the format is decided per line, never per file.
 */
import { parseIso } from './log-time.js';
import { MAX_SERVER_CHARS, matchMessage, type LogEventKind, type LogLevel } from './log-patterns.js';
import { MAX_JSON_DEPTH, isRecord, parseJsonSafe } from '../model/json.js';

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
  const c = s.charCodeAt(0);
  // A printable ASCII first character settles it (nearly every line); otherwise ask trim(), whose white
  // space (NBSP, U+2028, U+3000…) is the definition of blank used everywhere.
  return !(c > 32 && c < 127) && s.trim() === '';
}

/** A short identifier-like string from JSON (code, server); numbers are accepted as codes (`-32001`). */
function shortString(v: unknown, max: number, numbers: boolean): string | undefined {
  if (typeof v === 'string') return v.length ? wellFormed(cap(v, max)) : undefined;
  if (numbers && typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function timeFrom(v: unknown): number | undefined {
  if (forStats) return undefined;
  const t = typeof v === 'string' ? parseIso(v) : typeof v === 'number' ? v : undefined;
  return t !== undefined && Number.isFinite(t) && Math.abs(t) <= MAX_TIME_MS ? t : undefined;
}

function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object') return String(v);
  return JSON.stringify(v);
}

// Counting needs no message text and no time: a stats-only scan skips both (classifyLineForStats).
let forStats = false;

function entry(
  format: LogFormat, level: LogLevel, rawMessage: string, readAtMs: number,
  code: string | undefined, server: string | undefined, timeMs: number | undefined,
): LogEntry {
  const facts = matchMessage(rawMessage);
  return {
    format,
    level: format === 'text' ? facts.level : level,
    message: forStats ? rawMessage : wellFormed(cap(rawMessage, MAX_MESSAGE_CHARS)),
    code: code ?? facts.code,
    server: server ?? facts.server,
    kind: facts.kind,
    timeMs,
    readAtMs,
  };
}

const hasOwn = (obj: object, key: string) => Object.prototype.hasOwnProperty.call(obj, key);

// Members of a parsed line count only when they are own properties (faults D6): a "__proto__" key is data,
// and a polluted Object.prototype lends nothing. Ownership is checked only for a value found, which skips
// the check for the many members a line does not have.
type Json = Record<string, unknown>;
const ownOr = (obj: Json, v: unknown, key: string): unknown => (v !== undefined && hasOwn(obj, key) ? v : undefined);

/** The `data` members read from hub JSON: a plain object's own `code`, `server` and `serverName`. */
function fromData(data: unknown): { code: string | undefined; server: string | undefined } {
  if (!isRecord(data)) return { code: undefined, server: undefined };
  return {
    code: shortString(ownOr(data, data.code, 'code'), MAX_CODE_CHARS, true),
    server: shortString(ownOr(data, data.server, 'server'), MAX_SERVER_CHARS, false)
      ?? shortString(ownOr(data, data.serverName, 'serverName'), MAX_SERVER_CHARS, false),
  };
}

/** A parsed JSON object → an entry, or undefined when it is neither pino nor hub JSON. */
function fromJson(obj: Json, readAtMs: number): LogEntry | undefined {
  // Named loads (obj.msg, not obj[key]): the form V8 makes fast, and this runs once per line.
  const msg = ownOr(obj, obj.msg, 'msg');
  const level = ownOr(obj, obj.level, 'level');
  if (msg !== undefined && (typeof level === 'string' || typeof level === 'number')) {
    // pino flattens the log call's data into the top level, code included.
    const server = shortString(ownOr(obj, obj.server, 'server'), MAX_SERVER_CHARS, false)
      ?? shortString(ownOr(obj, obj.serverName, 'serverName'), MAX_SERVER_CHARS, false);
    return entry('pino', levelFrom(level), toText(msg), readAtMs,
      shortString(ownOr(obj, obj.code, 'code'), MAX_CODE_CHARS, true), server, timeFrom(ownOr(obj, obj.time, 'time')));
  }
  const type = ownOr(obj, obj.type, 'type');
  const message = ownOr(obj, obj.message, 'message');
  if (typeof type === 'string' && message !== undefined) {
    const d = fromData(ownOr(obj, obj.data, 'data'));
    const code = shortString(ownOr(obj, obj.code, 'code'), MAX_CODE_CHARS, true) ?? d.code;
    return entry('hub-json', levelFrom(type), toText(message), readAtMs, code, d.server, timeFrom(ownOr(obj, obj.timestamp, 'timestamp')));
  }
  return undefined;
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
  forStats = false;
  return safely(line, readAtMs);
}

/**
 * classifyLine for counting only: the same format, level, code, server, kind and malformed flag, but the
 * message is left uncut and the time unread (`timeMs` undefined). Never hand these entries to anyone: a
 * stats-only scan uses it to skip work whose result nobody sees.
 */
export function classifyLineForStats(line: string): LogEntry | undefined {
  forStats = true;
  try {
    return safely(line, 0);
  } finally {
    forStats = false;
  }
}

function safely(line: string, readAtMs: number): LogEntry | undefined {
  try {
    return classify(line, readAtMs);
  } catch {
    // Not reachable with the code above; a log reader must still never die on one line.
    return { format: 'text', level: 'unknown', message: '', kind: 'other', readAtMs, malformed: true };
  }
}
