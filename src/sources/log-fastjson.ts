/**
 * The fast path for JSON log lines: validates a line as JSON and picks out only the members classification
 * reads, without building the line's object. On a pino log, JSON.parse and the objects it builds were most
 * of the scan time (bench/log-scan.mjs).
 *
 * It is deliberately one-sided: it answers only for a line it has fully validated (the ECMAScript JSON
 * grammar, nesting ≤ MAX_JSON_DEPTH) and whose wanted members it could read; for anything else — invalid
 * JSON, an escaped key, a wanted member holding an object — it returns undefined and classifyLine takes the
 * JSON.parse path. A mistake here can therefore only cost speed, provided it never accepts what JSON.parse
 * rejects; log-classify.test.ts checks both paths agree on generated and mutated lines.
 */
import { MAX_JSON_DEPTH } from './safe-json.js';

/** The members a JSON log line is classified by, each `undefined` when absent (JSON has no undefined). */
export interface JsonFields {
  msg: unknown;
  level: unknown;
  type: unknown;
  message: unknown;
  code: unknown;
  server: unknown;
  serverName: unknown;
  time: unknown;
  timestamp: unknown;
  /** `data`'s own members, or undefined when `data` is absent or not a plain object. */
  data: DataFields | undefined;
}

/** The members of `data` that are read. */
export interface DataFields {
  code: unknown;
  server: unknown;
  serverName: unknown;
}

// Scanner state. Module-level so the recursion passes nothing; the hot loops copy it into locals, because
// reading and writing module-level `let`s char by char made this path no faster than JSON.parse.
let s = '';
let p = 0;
let end = 0;
let keyEscaped = false;
let bail = false;

/** The char code at `i`, or -1 past the end. */
function at(i: number): number {
  return i < end ? s.charCodeAt(i) : -1;
}

function skipWs(): void {
  const str = s;
  const e = end;
  let i = p;
  while (i < e) {
    const c = str.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    i++;
  }
  p = i;
}

const isHex = (c: number) => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);

/** Scans the string literal at `p` (on its `"`); returns its value when `keep`, true when valid and not kept, false when invalid. */
function str(keep: boolean): string | boolean {
  const text = s;
  const e = end;
  const start = p + 1;
  let i = start;
  let esc = false;
  while (i < e) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      keyEscaped = esc;
      p = i + 1;
      if (!keep) return true;
      // The literal alone decodes exactly as inside the line; only one with escapes needs JSON.parse.
      return esc ? (JSON.parse(text.slice(start - 1, i + 1)) as string) : text.slice(start, i);
    }
    if (c === 92) {
      esc = true;
      const n = at(i + 1);
      if (n === 117) {
        if (!(isHex(at(i + 2)) && isHex(at(i + 3)) && isHex(at(i + 4)) && isHex(at(i + 5)))) return false;
        i += 6;
      } else if (n === 34 || n === 92 || n === 47 || n === 98 || n === 102 || n === 110 || n === 114 || n === 116) i += 2;
      else return false;
    } else if (c < 32) {
      return false; // raw control characters are not allowed in JSON strings
    } else i++;
  }
  return false;
}

function digits(): number {
  const text = s;
  const e = end;
  const s0 = p;
  let i = p;
  while (i < e) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  p = i;
  return i - s0;
}

/** -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?; returns the number when `keep`, true when valid, false when not. */
function num(keep: boolean): number | boolean {
  const start = p;
  if (at(p) === 45) p++;
  if (at(p) === 48) p++;
  else if (digits() === 0) return false;
  if (at(p) === 46) {
    p++;
    if (digits() === 0) return false;
  }
  const c = at(p);
  if (c === 101 || c === 69) {
    p++;
    if (at(p) === 43 || at(p) === 45) p++;
    if (digits() === 0) return false;
  }
  // JSON numbers are a subset of what Number() reads, and both round the same way.
  return keep ? Number(s.slice(start, p)) : true;
}

function word(text: string): boolean {
  if (!s.startsWith(text, p) || p + text.length > end) return false;
  p += text.length;
  return true;
}

const INVALID = Symbol('invalid');

/** Any JSON value at `p`: returns it when `keep` and it is a string, number, boolean or null; INVALID when not JSON. */
function val(depth: number, keep: boolean): unknown {
  const c = at(p);
  if (c === 34) {
    const v = str(keep);
    return v === false ? INVALID : v;
  }
  if (c === 123) return obj(depth + 1, undefined, undefined) ? undefined : INVALID;
  if (c === 91) return arr(depth + 1) ? undefined : INVALID;
  if (c === 116) return word('true') ? true : INVALID;
  if (c === 102) return word('false') ? false : INVALID;
  if (c === 110) return word('null') ? null : INVALID;
  if (c === 45 || (c >= 48 && c <= 57)) {
    const v = num(keep);
    return v === false ? INVALID : v;
  }
  return INVALID;
}

function arr(depth: number): boolean {
  if (depth > MAX_JSON_DEPTH) return false;
  p++;
  skipWs();
  if (at(p) === 93) { p++; return true; }
  for (;;) {
    if (val(depth, false) === INVALID) return false;
    skipWs();
    const c = at(p);
    if (c === 44) { p++; skipWs(); continue; }
    if (c === 93) { p++; return true; }
    return false;
  }
}

/** Stores a wanted top-level member; false when `key` is not one. A later duplicate wins, as in JSON.parse. */
function setTop(f: JsonFields, key: string, v: unknown): boolean {
  switch (key) {
    case 'msg': f.msg = v; return true;
    case 'level': f.level = v; return true;
    case 'type': f.type = v; return true;
    case 'message': f.message = v; return true;
    case 'code': f.code = v; return true;
    case 'server': f.server = v; return true;
    case 'serverName': f.serverName = v; return true;
    case 'time': f.time = v; return true;
    case 'timestamp': f.timestamp = v; return true;
    default: return false;
  }
}

function setData(d: DataFields, key: string, v: unknown): boolean {
  switch (key) {
    case 'code': d.code = v; return true;
    case 'server': d.server = v; return true;
    case 'serverName': d.serverName = v; return true;
    default: return false;
  }
}

const WANTED_TOP = new Set(['msg', 'level', 'type', 'message', 'code', 'server', 'serverName', 'time', 'timestamp']);
const WANTED_DATA = new Set(['code', 'server', 'serverName']);

/** An object at `p`; with `top` (the line itself) or `data` (its `data` member) the wanted members are kept. */
function obj(depth: number, top: JsonFields | undefined, data: DataFields | undefined): boolean {
  if (depth > MAX_JSON_DEPTH) return false;
  const keeping = top !== undefined || data !== undefined;
  p++;
  skipWs();
  if (at(p) === 125) { p++; return true; }
  for (;;) {
    if (at(p) !== 34) return false;
    const key = str(keeping);
    if (key === false) return false;
    // An escaped key may spell a wanted one ("m\u0073g"); leave such a line to JSON.parse.
    if (keeping && keyEscaped) bail = true;
    skipWs();
    if (at(p) !== 58) return false;
    p++;
    skipWs();
    const name = typeof key === 'string' ? key : '';
    if (top !== undefined && name === 'data') {
      top.data = undefined; // a later `data` replaces an earlier one
      if (at(p) === 123) {
        const d: DataFields = { code: undefined, server: undefined, serverName: undefined };
        top.data = d;
        if (!obj(depth + 1, undefined, d)) return false;
      } else if (val(depth, false) === INVALID) return false;
    } else {
      const wanted = (top !== undefined && WANTED_TOP.has(name)) || (data !== undefined && WANTED_DATA.has(name));
      const c = at(p);
      // A wanted member holding an object or array (msg: {…}) is rare: JSON.parse renders it.
      if (wanted && (c === 123 || c === 91)) bail = true;
      const v = val(depth, wanted);
      if (v === INVALID) return false;
      if (wanted) {
        if (top !== undefined) setTop(top, name, v);
        else if (data !== undefined) setData(data, name, v);
      }
    }
    skipWs();
    const c = at(p);
    if (c === 44) { p++; skipWs(); continue; }
    if (c === 125) { p++; return true; }
    return false;
  }
}

/**
 * Reads the wanted members of the JSON object text `line` (which starts with `{`) without JSON.parse, or
 * returns undefined when JSON.parse must decide: invalid or too-deep JSON, an escaped key, or a wanted
 * member holding an object or array. Never throws.
 */
export function scanJsonFields(line: string): JsonFields | undefined {
  s = line;
  p = 0;
  end = line.length;
  bail = false;
  const f: JsonFields = {
    msg: undefined, level: undefined, type: undefined, message: undefined, code: undefined,
    server: undefined, serverName: undefined, time: undefined, timestamp: undefined, data: undefined,
  };
  let ok: boolean;
  try {
    ok = at(0) === 123 && obj(1, f, undefined);
    if (ok) {
      skipWs();
      ok = p === end;
    }
  } catch {
    ok = false; // JSON.parse of a string literal we validated cannot fail; if it ever did, JSON.parse decides
  }
  s = ''; // do not keep the line alive
  return ok && !bail ? f : undefined;
}
