/**
 * CSV (RFC 4180) for hostile strings: fields with commas, quotes or line breaks are quoted, and a field
 * that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at the start) gets a leading `'`.
 */

const FORMULA = /^[=+\-@\t\r]/;

/** One CSV field. Numbers are written as they are (a negative number is data, not a formula). */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = typeof v === 'string' ? v : JSON.stringify(v);
  if (FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV document: a header row, then rows, CRLF line ends as RFC 4180 says. */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
