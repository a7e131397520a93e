/**
 * JSON for hostile input. Parsing: a depth cap enforced before V8 sees the text (a 10,000-deep body would
 * otherwise parse fine and blow the stack of whatever walks it later), and a BOM tolerated.
 * `JSON.parse` itself never touches `Object.prototype` (a "__proto__" key becomes an own property), and our
 * readers copy known fields into fresh objects, so nothing parsed is ever merged into our own data.
 */

export const MAX_JSON_DEPTH = 64;

// C1 controls, DEL, line/paragraph separators, bidi embeddings/overrides/isolates and invisible characters.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * JSON text that stays safe when it reaches a terminal, a pipe or a log viewer: the characters above are
 * written as `\uXXXX` (JSON.stringify and pino already escape C0 and lone surrogates). They can only occur
 * inside JSON strings, where the escape means the same character: still valid JSON, the same value when
 * parsed. Every `--json` output, the daemon's log lines and the `command` receiver's stdin go through it
 * (faults F5).
 */
export function escapeUnsafeJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export type JsonParse =
  | { ok: true; value: unknown }
  | { ok: false; reason: 'syntax' | 'depth'; message: string };

/** Returns the nesting depth of a JSON text, stopping early once it exceeds `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return max;
}

/** Parses JSON text with a depth cap; never throws. */
export function parseJsonSafe(text: string, maxDepth = MAX_JSON_DEPTH): JsonParse {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (jsonDepth(body, maxDepth) > maxDepth) {
    return { ok: false, reason: 'depth', message: `JSON nested deeper than ${maxDepth} levels` };
  }
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (err) {
    return { ok: false, reason: 'syntax', message: `invalid JSON: ${(err as Error).message}` };
  }
}

/** Narrowing helper: a plain JSON object (not an array, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads an own property only: a parsed "__proto__" or "constructor" key is data, never the prototype chain. */
export function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}
