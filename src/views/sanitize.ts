/**
 * Hub strings are hostile (faults D1, D2): before any of them reaches a terminal, C0/C1 controls, DEL and
 * ESC are shown escaped (`\x1b`, `\u009b`), and bidi overrides and invisible characters as `<U+202E>`.
 * The raw string stays untouched everywhere else; this is applied on output only.
 */

// C0 (except \n and \t, handled by the caller's mode), DEL, C1.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]|\t/g;
// Bidi embeddings/overrides/isolates, marks, zero-width characters, BOM, line/paragraph separators.
const INVISIBLE = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeControl(ch: string): string {
  if (ch === '\t') return ' ';
  const code = ch.charCodeAt(0);
  return code <= 0xff && code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Makes one string safe for a single terminal line (newlines are escaped too), capped at `max` characters. */
export function sanitizeTerminal(text: string, max = 500): string {
  const clean = text
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(CONTROL, escapeControl)
    .replace(INVISIBLE, (ch) => `<U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
  if (clean.length <= max) return clean;
  // Never cut between the two halves of a surrogate pair (that would print a lone surrogate).
  const cut = /[\ud800-\udbff]/.test(clean.charAt(max - 2)) ? max - 2 : max - 1;
  return `${clean.slice(0, cut)}…`;
}

/** True when colour should be used: a TTY, and neither NO_COLOR nor --no-color. */
export function shouldUseColor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>, flag: boolean): boolean {
  return flag && Boolean(stream.isTTY) && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && env.TERM !== 'dumb';
}
