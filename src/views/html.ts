/**
 * HTML and SVG (XML) escaping for reports. Hub strings are hostile (faults D1): a server named
 * `<img src=x onerror=…>` must arrive as text, in element content and in quoted attributes alike. XML 1.0
 * also forbids most C0 controls even as character references, so a standalone .svg with a raw ESC in a
 * label would not even parse: those are shown as visible `\x1b` instead of being passed through.
 */

const HTML_SPECIAL = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
// Characters XML 1.0 does not allow at all (C0 except TAB/LF/CR, U+FFFE/U+FFFF) and lone surrogates.
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) return '\ufffd';
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Escapes text for HTML/SVG element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return String(text).replace(XML_INVALID, visible).replace(HTML_SPECIAL, (ch) => ENTITY[ch] as string);
}
