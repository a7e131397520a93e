/** JSON output that stays safe when piped to a terminal: C1 controls, DEL and bidi/invisible characters from hub data are written as \u escapes (still the same JSON value). */

const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** JSON.stringify, pretty-printed, with terminal-unsafe characters escaped. */
export function toSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
