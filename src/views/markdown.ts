/**
 * Markdown for reports that carry hub strings (server names, errors, versions): those are hostile, so they
 * are made terminal-safe first (a report is often `cat`ed) and then every character Markdown would read as
 * syntax is backslash-escaped, so a server named `a|b` cannot split a table row, `**x**` cannot shout,
 * `[x](javascript:…)` cannot become a link and `<img onerror>` cannot become HTML.
 */
import { sanitizeTerminal } from './sanitize.js';

// CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that start syntax anywhere in
// a line (emphasis, code, links, images, autolinks and HTML, tables, strikethrough, entities, escapes).
const MARKDOWN_SYNTAX = /[\\`*_[\]<>|~&!#]/g;

/** Escapes hub text for one Markdown line or table cell; newlines and controls become visible `\x0a`. */
export function escapeMarkdown(text: string, max = 500): string {
  return sanitizeTerminal(text, max).replace(MARKDOWN_SYNTAX, (ch) => `\\${ch}`);
}

/** Inline code for text we control (names we validated, file paths): backticks in it are escaped instead. */
export function markdownCode(text: string): string {
  return /[`\r\n]/.test(text) ? escapeMarkdown(text) : `\`${sanitizeTerminal(text)}\``;
}

/** A GitHub-flavoured table; cells are written as given, so escape hub strings with escapeMarkdown first. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const rule = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [header, rule, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
