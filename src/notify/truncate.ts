/**
 * Text limits for notification channels (faults C12): cut by runes or UTF-8 bytes, never inside a grapheme
 * (so an emoji ZWJ sequence or a letter with its combining mark survives whole), and mark the cut with "…",
 * as Alertmanager's `notify.TruncateInRunes` does. Also the control-character scrub every channel applies.
 */

/** The mark appended when text is cut. */
export const ELLIPSIS = '…';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const encoder = new TextEncoder();

/** The number of Unicode code points (runes) in `s`. */
export function runeLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The UTF-8 length of `s` in bytes. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

// Walks graphemes lazily (a 10 KB description cut to 300 runes segments ~300 graphemes, not 10 KB) and keeps
// whole graphemes while they fit in `budget` units. A single grapheme larger than the budget ends the text.
function cutGraphemes(s: string, budget: number, size: (g: string) => number): string {
  let used = 0;
  let end = 0;
  for (const { segment, index } of segmenter.segment(s)) {
    const n = size(segment);
    if (used + n > budget) break;
    used += n;
    end = index + segment.length;
  }
  return s.slice(0, end);
}

/** Cuts `s` to at most `maxRunes` code points, the "…" included, at a grapheme boundary. */
export function truncateRunes(s: string, maxRunes: number): string {
  // UTF-16 length ≥ rune count, so short strings skip the count.
  if (s.length <= maxRunes || runeLength(s) <= maxRunes) return s;
  if (maxRunes < 1) return '';
  return cutGraphemes(s, maxRunes - 1, runeLength) + ELLIPSIS;
}

/** Cuts `s` to at most `maxBytes` UTF-8 bytes, the "…" (3 bytes) included, at a grapheme boundary. */
export function truncateBytes(s: string, maxBytes: number): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short strings skip the encode.
  if (s.length * 3 <= maxBytes || byteLength(s) <= maxBytes) return s;
  const mark = encoder.encode(ELLIPSIS).length;
  if (maxBytes < mark) return '';
  return cutGraphemes(s, maxBytes - mark, byteLength) + ELLIPSIS;
}

// C0 controls except \t and \n, DEL, and C1 controls: escape sequences (`\x1b]0;pwned\x07`), `\r` overwrite
// tricks and BELs mean nothing in a notification and some receivers (terminals, notify-send) act on them.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Bidi overrides and isolates can make a notification read differently from what it says (faults D-series).
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/** Removes control characters (keeping `\n` and `\t`) and bidi overrides from hub text. */
export function stripControls(s: string): string {
  return s.replace(CONTROLS, '').replace(BIDI, '');
}

/** `stripControls`, and every newline or tab folded to one space: for titles and single-line fields. */
export function oneLine(s: string): string {
  return stripControls(s).replace(/[\n\t]+/g, ' ');
}
