/**
 * The fast path for JSON log lines: validates the line's bytes as JSON and picks out only the members
 * classification reads, without decoding the whole line or building its object. On a pino log, JSON.parse
 * plus decoding plus building objects was most of the scan time (bench/log-scan.mjs).
 *
 * It is deliberately one-sided: it returns an entry only for a line it has fully validated as JSON (the
 * ECMAScript JSON grammar, nesting ≤ MAX_JSON_DEPTH) whose members it could read; for anything else —
 * invalid JSON, an escaped key, a wanted member holding an object, a BOM — it returns undefined and the
 * caller takes the JSON.parse path. So a mistake here can only cost speed, provided it never accepts what
 * JSON.parse rejects; log-classify.test.ts checks both paths agree on generated and mutated lines.
 */
import { entryFromFields, type JsonFields, type LogEntry } from './log-classify.js';
import { MAX_JSON_DEPTH } from './safe-json.js';

// Scanner state, module-level so the hot loop touches no object; the scan is synchronous, so no reentry.
let b: Buffer = Buffer.alloc(0);
let p = 0;
let end = 0;
let strEsc = false;
let wanted = false; // the value being scanned belongs to a member we keep
let value: unknown;

const enum Key { None, Msg, Level, Type, Message, Code, Server, ServerName, Time, Timestamp, Data }

/** The byte at `i`, or -1 past the line: the buffer goes on (next line, or the rest of a capped line). */
function at(i: number): number {
  return i < end ? (b[i] as number) : -1;
}

function eq(s: number, lit: string): boolean {
  for (let i = 0; i < lit.length; i++) if (at(s + i) !== lit.charCodeAt(i)) return false;
  return true;
}

/** Which wanted member the key at [s, e) names; compares bytes, so no string is made for unwanted keys. */
function keyOf(s: number, e: number, inData: boolean): Key {
  const n = e - s;
  if (inData) {
    if (n === 4 && eq(s, 'code')) return Key.Code;
    if (n === 6 && eq(s, 'server')) return Key.Server;
    if (n === 10 && eq(s, 'serverName')) return Key.ServerName;
    return Key.None;
  }
  switch (n) {
    case 3: return eq(s, 'msg') ? Key.Msg : Key.None;
    case 4: return eq(s, 'type') ? Key.Type : eq(s, 'time') ? Key.Time : eq(s, 'code') ? Key.Code : eq(s, 'data') ? Key.Data : Key.None;
    case 5: return eq(s, 'level') ? Key.Level : Key.None;
    case 6: return eq(s, 'server') ? Key.Server : Key.None;
    case 7: return eq(s, 'message') ? Key.Message : Key.None;
    case 9: return eq(s, 'timestamp') ? Key.Timestamp : Key.None;
    case 10: return eq(s, 'serverName') ? Key.ServerName : Key.None;
    default: return Key.None;
  }
}

function skipWs(): void {
  while (p < end) {
    const c = b[p] as number;
    if (c === 32 || c === 9 || c === 13 || c === 10) p++;
    else return;
  }
}

const isHex = (c: number) => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);

/** A string at `p` (on its `"`); sets `value` to its text when `wanted`. */
function str(): boolean {
  const start = ++p;
  let esc = false;
  while (p < end) {
    const c = b[p] as number;
    if (c === 34) {
      strEsc = esc;
      // A JSON string literal decodes the same alone as inside its line, escapes and bad UTF-8 alike.
      if (wanted) value = esc ? JSON.parse(b.toString('utf8', start - 1, p + 1)) : b.toString('utf8', start, p);
      p++;
      return true;
    }
    if (c === 92) {
      esc = true;
      const n = at(p + 1);
      if (n === 117) {
        if (!(isHex(at(p + 2)) && isHex(at(p + 3)) && isHex(at(p + 4)) && isHex(at(p + 5)))) return false;
        p += 6;
      } else if (n === 34 || n === 92 || n === 47 || n === 98 || n === 102 || n === 110 || n === 114 || n === 116) p += 2;
      else return false;
      continue;
    }
    if (c < 32) return false; // raw control characters are not allowed in JSON strings
    p++;
  }
  return false;
}

function digits(): number {
  const s = p;
  for (let c = at(p); c >= 48 && c <= 57; c = at(p)) p++;
  return p - s;
}

/** -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
function num(): boolean {
  const start = p;
  if (at(p) === 45) p++;
  if (at(p) === 48) p++;
  else if (digits() === 0) return false;
  if (at(p) === 46) {
    p++;
    if (digits() === 0) return false;
  }
  if (at(p) === 101 || at(p) === 69) {
    p++;
    if (at(p) === 43 || at(p) === 45) p++;
    if (digits() === 0) return false;
  }
  // JSON numbers are a subset of what Number() reads, and both round the same way.
  if (wanted) value = Number(b.toString('latin1', start, p));
  return true;
}

function lit(text: string, v: unknown): boolean {
  if (p + text.length > end || !eq(p, text)) return false;
  p += text.length;
  if (wanted) value = v;
  return true;
}

/** Any JSON value at `p`. `fields` is set only for the line's top object and its `data` member. */
function val(depth: number, fields?: JsonFields, inData = false): boolean {
  const c = at(p);
  if (c === 34) return str();
  if (c === 123) return obj(depth + 1, fields, inData);
  if (c === 91) return arr(depth + 1);
  if (c === 116) return lit('true', true);
  if (c === 102) return lit('false', false);
  if (c === 110) return lit('null', null);
  if (c === 45 || (c >= 48 && c <= 57)) return num();
  return false;
}

function arr(depth: number): boolean {
  if (depth > MAX_JSON_DEPTH) return false;
  const was = wanted;
  wanted = false;
  p++;
  skipWs();
  if (at(p) === 93) {
    p++;
    wanted = was;
    return true;
  }
  for (;;) {
    if (!val(depth)) return false;
    skipWs();
    if (at(p) === 44) { p++; skipWs(); continue; }
    if (at(p) === 93) { p++; wanted = was; return true; }
    return false;
  }
}

/** Thrown-free bail-out: the line is valid as far as we know but needs JSON.parse to read a member. */
let bail = false;

function member(depth: number, fields: JsonFields | undefined, inData: boolean): boolean {
  if (at(p) !== 34) return false;
  const ks = p + 1;
  wanted = false;
  if (!str()) return false;
  const key = fields && !strEsc ? keyOf(ks, p - 1, inData) : Key.None;
  // An escaped key may spell a wanted one ("m\u0073g"); only JSON.parse can tell.
  if (fields && strEsc) bail = true;
  skipWs();
  if (at(p) !== 58) return false;
  p++;
  skipWs();
  if (key === Key.Data && fields) {
    fields.data = undefined; // a later `data` replaces an earlier one, as in JSON.parse
    if (at(p) === 123) {
      const d = { code: undefined as unknown, server: undefined as unknown, serverName: undefined as unknown };
      fields.data = d;
      return obj(depth + 1, d as unknown as JsonFields, true);
    }
    return val(depth);
  }
  wanted = key !== Key.None;
  value = undefined;
  const c = at(p);
  // A wanted member holding an object or array (msg: {…}) is rare: JSON.parse renders it.
  if (wanted && (c === 123 || c === 91)) bail = true;
  if (!val(depth)) return false;
  if (wanted && fields) store(fields, key, value);
  wanted = false;
  return true;
}

function store(f: JsonFields, key: Key, v: unknown): void {
  switch (key) {
    case Key.Msg: f.msg = v; break;
    case Key.Level: f.level = v; break;
    case Key.Type: f.type = v; break;
    case Key.Message: f.message = v; break;
    case Key.Code: f.code = v; break;
    case Key.Server: f.server = v; break;
    case Key.ServerName: f.serverName = v; break;
    case Key.Time: f.time = v; break;
    case Key.Timestamp: f.timestamp = v; break;
    default: break;
  }
}

function obj(depth: number, fields: JsonFields | undefined, inData: boolean): boolean {
  if (depth > MAX_JSON_DEPTH) return false;
  p++;
  skipWs();
  if (at(p) === 125) { p++; return true; }
  for (;;) {
    if (!member(depth, fields, inData)) return false;
    skipWs();
    if (at(p) === 44) { p++; skipWs(); continue; }
    if (at(p) === 125) { p++; return true; }
    return false;
  }
}

/**
 * Classifies the JSON line at `buf[start, stop)` (which starts with `{`) without JSON.parse, or returns
 * undefined when the JSON.parse path must decide: invalid or too-deep JSON, an escaped key, a wanted member
 * holding an object, or a line that is neither pino nor hub JSON. Never throws.
 */
export function classifyJsonBytes(buf: Buffer, start: number, stop: number, readAtMs: number): LogEntry | undefined {
  b = buf;
  p = start;
  end = stop;
  bail = false;
  wanted = false;
  const fields: JsonFields = {
    msg: undefined, level: undefined, type: undefined, message: undefined, code: undefined,
    server: undefined, serverName: undefined, time: undefined, timestamp: undefined, data: undefined,
  };
  let ok = false;
  try {
    ok = at(p) === 123 && obj(1, fields, false);
    if (ok) {
      skipWs();
      ok = p === end;
    }
  } catch {
    ok = false; // JSON.parse of an escaped string we validated cannot fail; if it ever did, the slow path decides
  }
  b = EMPTY; // do not keep the caller's (reused) buffer alive
  if (!ok || bail) return undefined;
  return entryFromFields(fields, readAtMs);
}

const EMPTY = Buffer.alloc(0);
