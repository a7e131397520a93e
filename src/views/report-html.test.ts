import { describe, expect, test } from 'vitest';
import { HOSTILE_NAMES, hostileModel } from '../../test/support/report-fixture.js';
import { escapeHtml } from './html.js';
import { REPORT_CSP, renderReportHtml } from './report-html.js';

describe('renderReportHtml', () => {
  const html = renderReportHtml(hostileModel());

  test('one self-contained document: CSP first in head, inline style, no script, no external reference', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
    expect(REPORT_CSP).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<title>'));
    expect(html).not.toMatch(/<(script|link|iframe|object|embed|img|image|use|foreignObject)\b/i);
    expect(html).not.toMatch(/<[^>]*\s(src|href|xlink:href)=/i); // in a tag, not in escaped text
    expect(html).not.toMatch(/url\(/i);
  });

  test('no element carries an event handler, whatever the hub strings', () => {
    expect(html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\u202e]/);
  });

  test('hostile names appear as escaped text', () => {
    expect(html).toContain(escapeHtml('<img src=x onerror="window.__pwned=1">'));
    expect(html).toContain('new\\x0aline');
    expect(html).toContain('ansi\\x1b]0;title\\x07&lt;U+202E&gt;evil'); // controls and the bidi override made visible
  });

  test('charts are inline SVG, every one complete', () => {
    const svgs = html.match(/<svg [\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(5);
    expect((html.match(/<svg /g) ?? []).length).toBe(5);
    for (const s of svgs) expect(s).toMatch(/<(path|rect) /);
  });

  test('the servers table has one row per server and every row the same cell count', () => {
    const table = html.split('<table>').find((t) => t.includes('<th>server</th><th class="r">availability</th>'))!;
    const rows = table.split('</table>')[0]!.match(/<tr>[\s\S]*?<\/tr>/g)!;
    expect(rows).toHaveLength(1 + HOSTILE_NAMES.length);
    for (const r of rows) expect((r.match(/<t[hd][ >]/g) ?? []).length).toBe(9);
  });

  test('the same model renders the same bytes', () => {
    expect(renderReportHtml(hostileModel())).toBe(html);
  });
});
