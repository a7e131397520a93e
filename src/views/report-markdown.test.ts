import { describe, expect, test } from 'vitest';
import { HOSTILE_NAMES, hostileModel, markdownTables } from '../../test/support/report-fixture.js';
import { renderReportMarkdown } from './report-markdown.js';

const tableWith = (md: string, firstHeader: string) => markdownTables(md).find((t) => t[0]![0] === firstHeader);

describe('renderReportMarkdown', () => {
  const { markdown, charts } = renderReportMarkdown(hostileModel(), { chartBase: 'daily-2026-01-06' });

  test('every table keeps its column count on every row, whatever the server names', () => {
    const tables = markdownTables(markdown);
    expect(tables.length).toBeGreaterThanOrEqual(8);
    for (const t of tables) for (const row of t) expect(row).toHaveLength(t[0]!.length);
  });

  test.each([
    ['server', 9, HOSTILE_NAMES.length], // servers
    ['start', 7, HOSTILE_NAMES.length], // incidents (the outage table has 4 columns and one row)
    ['time', 6, HOSTILE_NAMES.length], // tool-list changes
    ['code', 2, HOSTILE_NAMES.length],
    ['server', 5, HOSTILE_NAMES.length], // slow servers (P95 > 2000 ms)
    ['error type', 4, HOSTILE_NAMES.length],
    ['server/tool', 7, HOSTILE_NAMES.length], // top tools by calls
  ])('the table starting with "%s" has %i columns and one row per hostile name', (header, cols, rows) => {
    const t = markdownTables(markdown).filter((x) => x[0]![0] === header).find((x) => x[0]!.length === cols);
    expect(t).toBeDefined();
    expect(t!.length - 2).toBe(rows); // header and rule rows
  });

  test('the objectives: the polls\' and, with calls through the tap, the SLO on real calls', () => {
    expect(tableWith(markdown, 'objective')!.slice(2).map((r) => [r[0], r[1]])).toEqual([
      ['availability (polls with the hub up)', '99.9%'], ['latency (polls within 50 ms)', '95%'],
      ['calls answered OK (through the tap)', '99%'], ['calls within 2000 ms (through the tap)', '95%'],
    ]);
  });

  test('no hostile character reaches the Markdown unescaped', () => {
    expect(markdown).not.toMatch(/(^|[^\\])[<>`]/m); // every <, > and backtick is escaped
    expect(markdown).not.toMatch(/[\x00-\x09\x0b-\x1f\u202e]/);
    expect(markdown).not.toMatch(/(^|[^\\])\]\(javascript/); // the brackets are escaped: no link
    expect(markdown).toContain('\\<img src=x onerror="window.\\_\\_pwned=1"\\>');
    expect(markdown).toContain('new\\\\x0aline'); // the newline shown as \x0a, its backslash escaped
    expect(tableWith(markdown, 'server')).toBeDefined();
  });

  test('charts are linked beside the file by our own ids, never by a hub string', () => {
    expect(charts.map((c) => c.file)).toEqual(['daily-2026-01-06-availability-1.svg', 'daily-2026-01-06-servers-1.svg',
      'daily-2026-01-06-errors-1.svg', 'daily-2026-01-06-latency-1.svg', 'daily-2026-01-06-rss-1.svg']);
    for (const c of charts) expect(markdown).toContain(`](${c.file})`);
    for (const c of charts) expect(c.svg).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
  });

  test('on stdout (no chart base) charts are left out with a hint', () => {
    const out = renderReportMarkdown(hostileModel());
    expect(out.charts).toEqual([]);
    expect(out.markdown).not.toContain('.svg');
    expect(out.markdown).toMatch(/5 charts not shown on stdout/);
  });

  test('a chart base with parentheses or spaces still makes a valid link', () => {
    const out = renderReportMarkdown(hostileModel(), { chartBase: 'my report (1)' });
    expect(out.markdown).toContain('](my%20report%20%281%29-availability-1.svg)');
  });

  test('the same model renders the same bytes', () => {
    expect(renderReportMarkdown(hostileModel(), { chartBase: 'x' })).toEqual(renderReportMarkdown(hostileModel(), { chartBase: 'x' }));
  });
});
