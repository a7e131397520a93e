/**
 * Fault D4: Markdown injection in reports and baselines. Server names, log codes, alert summaries, hub URLs
 * and probe outcomes carry every hostile string of the catalogue; the report and the baseline are rendered
 * with the real renderers and the Markdown is then read by a CommonMark renderer (markdown-it, GFM tables,
 * raw HTML **on**). Nothing that came from data may become an element or attribute (HTML, images, links,
 * headings, rules), every table keeps its rows and columns, and the hostile text is still there to read.
 */
import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import { buildBaseline } from '../../src/evaluate/baseline.js';
import type { ReportModel } from '../../src/evaluate/report-model.js';
import { ev, hostileReport, MINUTE_MS } from '../support/report-fixture.js';
import { renderBaselineMarkdown } from '../../src/views/baseline-markdown.js';
import { renderReportMarkdown } from '../../src/views/report-markdown.js';
import { sanitizeTerminal } from '../../src/views/sanitize.js';

/** A 5,000-character unbroken token. */
const HUGE = `huge${'Z'.repeat(4996)}`;

/** Every hostile string of D4, each used as a server name, a log code, an alert summary and a probed server. */
const HOSTILE = [
  'pipe|name',
  'pre-escaped\\|pipe',
  'back`tick`s',
  'fence```js\nalert(1)\n```',
  '[x](javascript:alert(1))',
  '![](http://tracker/pixel.png)',
  '<img src=x onerror=alert(1)>',
  '# Leading heading',
  '---',
  'intro\n## Fake section',
  'before\n---\nafter',
  '<!-- hidden',
  '**bold** _em_ ~~struck~~ &lt;b&gt; &#60;i&#62;',
  HUGE,
];

/** A hub URL that tries the same tricks in the overview table and in the hub's heading (which it ends: ` #`). */
const HUB = 'http://127.0.0.1:7000/|<!--x-->[hub](javascript:alert(1))![](http://tracker/pixel.png)`<img src=x onerror=alert(2)>`\n## Fake section #';

/** Words that only the data carries: none of them may reach a tag, an attribute or a heading. */
const DATA_MARKERS = /img|onerror|script|<!--|javascript|tracker|Fake section|Leading heading|pixel/i;

const md = new MarkdownIt({ html: true, linkify: false });

// --- data -------------------------------------------------------------------------------------------------

const M = MINUTE_MS;

/** A daily report of one hostile hub: servers, incidents, error codes, tool changes and remediations all carry HOSTILE. */
function hostileDaily(): ReportModel {
  return hostileReport(HOSTILE, HUB, ({ from }) => ({
    events: HOSTILE.flatMap((name, k) => [
      ev(from + (k + 1) * 3_600_000, 'server_status', name, { from: 'up', to: 'down' }),
      ev(from + (k + 1) * 3_600_000 + 5 * M, 'server_status', name, { from: 'down', to: 'up' }),
      // Distinct counts, so the top-10 code table has a known order.
      ...Array.from({ length: HOSTILE.length - k }, () => ev(from + (k + 1) * 3_600_000, 'log', name, { level: 'error', code: name })),
      ev(from + (k + 1) * 3_600_000, 'tool_list_changed', name, { added: [name], removed: [], changed: [], count: 1 }),
      ev(from + (k + 1) * 3_600_000 + M, 'remediation', name, { action: 'heal_server', target: name, why: `${name}: dead`, who: 'rule server.status', dryRun: false, result: 'failed', detail: `stopped, then the start failed: ${name}` }),
    ]),
    alerts: HOSTILE.map((name, k) => ({
      fingerprint: `fp${k}`, rule: 'server.status', severity: 'warning', server: name, summary: name,
      firedAt: from + (k + 1) * 3_600_000, resolvedAt: from + (k + 1) * 3_600_000 + 5 * M,
    })),
  }));
}

/** A baseline of the same hostile hub: its URL, version, state, probed servers and probe outcomes. */
function hostileBaseline(): string {
  const cfg = defaultConfig();
  return renderBaselineMarkdown(buildBaseline({
    name: 'run-1', startedAtMs: Date.parse('2026-11-25T09:40:00Z'), durationMs: 3_000, intervalMs: 250, probeEveryMs: 5_000, timeoutMs: 5_000,
    tool: { name: 'mcp-hub-monitor', version: '0.1.0', node: 'v20.0.0', platform: 'linux-x64' },
    hubs: [{
      url: HUB, version: '# 4.2.1\n---', state: '<!-- ready', pid: 7,
      health: [0, 1, 2, 3].map((k) => ({ k, scheduledMs: k * 250, actualMs: k * 250 + 0.1, latencyMs: 2 + k / 10, outcome: 'ok' })),
      probes: HOSTILE.map((server, k) => ({ server, samples: [{ atMs: 1, latencyMs: 5, outcome: HOSTILE[(k + 1) % HOSTILE.length]! }] })),
      process: [], processUnavailable: 'intro\n## Fake section <img src=x onerror=alert(3)>', llm: [], llmSources: [],
    }],
  }, cfg));
}

// --- reading markdown-it's tokens ---------------------------------------------------------------------------

/** Block tokens and, after each inline token, its children: the whole stream in document order. */
const flat = (tokens: Token[]): Token[] => tokens.flatMap((t) => (t.children ? [t, ...t.children] : [t]));

/** The text a reader sees in an inline token (text, code spans and soft breaks). */
const textOf = (inline: Token | undefined): string =>
  (inline?.children ?? []).map((c) => (c.type === 'text' || c.type === 'code_inline' ? c.content : c.type === 'softbreak' ? '\n' : '')).join('');

/** The headings of a document, as the text a reader sees. */
function headings(tokens: Token[]): { level: string; text: string }[] {
  return tokens.flatMap((t, i) => (t.type === 'heading_open' ? [{ level: t.tag, text: textOf(tokens[i + 1]) }] : []));
}

interface Table { header: string[]; rows: string[][] }

/** The tables of a document: the header cells and each body row's cells, as the text a reader sees. */
function tables(tokens: Token[]): Table[] {
  const out: Table[] = [];
  let cur: Table | undefined;
  let row: string[] | undefined;
  let inHead = false;
  tokens.forEach((t, i) => {
    if (t.type === 'table_open') out.push((cur = { header: [], rows: [] }));
    else if (t.type === 'thead_open') inHead = true;
    else if (t.type === 'thead_close') inHead = false;
    else if (t.type === 'tr_open') row = [];
    else if (t.type === 'tr_close' && cur && row) { if (inHead) cur.header = row; else cur.rows.push(row); }
    else if ((t.type === 'th_open' || t.type === 'td_open') && row) row.push(textOf(tokens[i + 1]));
  });
  return out;
}

/** Every start tag of markdown-it's HTML output with its attributes (text `<` is always written `&lt;`). */
const tagsOf = (html: string): string[] => [...html.matchAll(/<[a-zA-Z!?][^>]*>/g)].map((m) => m[0]);

/** What every rendered Markdown must satisfy, whatever the document. */
function expectNothingFromData(markdown: string, allowedImages: readonly string[] = []): Token[] {
  const tokens = md.parse(markdown, {});
  const all = flat(tokens);

  // No raw HTML at all: none of our own is written, so any would have come from data.
  expect(all.filter((t) => t.type === 'html_block' || t.type === 'html_inline').map((t) => t.content)).toEqual([]);
  // No link from data (we write none), and certainly nothing pointing at javascript: or the tracker.
  const hrefs = all.filter((t) => t.type === 'link_open').map((t) => t.attrGet('href'));
  expect(hrefs).toEqual([]);
  // Images: only our own chart files, never the tracker.
  expect(all.filter((t) => t.type === 'image').map((t) => t.attrGet('src'))).toEqual(allowedImages);
  // No rule, no emphasis, no strikethrough, no code block from data.
  expect(all.filter((t) => t.type === 'hr')).toEqual([]);
  expect(all.filter((t) => ['em_open', 's_open', 'fence', 'code_block', 'blockquote_open', 'bullet_list_open', 'ordered_list_open'].includes(t.type))
    .map((t) => t.type)).toEqual([]);

  // The HTML itself: only the elements and attributes Markdown makes of our own structure.
  const html = md.render(markdown);
  const tags = tagsOf(html);
  const names = new Set(tags.map((t) => /^<([a-zA-Z!?][a-zA-Z0-9-]*)/.exec(t)![1]!.toLowerCase()));
  const elements = ['h1', 'h2', 'h3', 'p', 'strong', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'code', ...(allowedImages.length ? ['img'] : [])];
  expect([...names].filter((n) => !elements.includes(n))).toEqual([]);
  const attrs = tags.flatMap((t) => [...t.matchAll(/\s([^\s=/>]+)(?:=("[^"]*"|'[^']*'|[^\s>]+))?/g)].map((m) => `${m[1]}=${m[2] ?? ''}`));
  const ours = new Set(['style="text-align:right"', ...allowedImages.map((src) => `src="${src}"`)]);
  expect(attrs.filter((a) => !ours.has(a) && !a.startsWith('alt='))).toEqual([]);
  for (const t of tags) expect(t.replace(/^<img\b/, '<')).not.toMatch(DATA_MARKERS); // our chart's <img> aside
  expect(html).not.toMatch(/<img[^>]*(onerror|tracker)|<!--|<script|href=/i);
  return tokens;
}

/** How a hostile string is shown once it has been made safe for one line (D1/D2: controls shown as `\x0a`). */
const shown = (s: string, max = 500) => sanitizeTerminal(s, max);

// --- the tests -------------------------------------------------------------------------------------------

describe('D4. Markdown injection in reports and baselines', () => {
  const model = hostileDaily();
  const report = renderReportMarkdown(model).markdown;
  const tokens = md.parse(report, {});
  const allTables = tables(tokens);
  const tableOf = (header: string, cols: number) => allTables.find((t) => t.header[0] === header && t.header.length === cols);

  test('D4: the report has no HTML, link, image, rule or list that came from data (CommonMark, HTML on)', () => {
    expectNothingFromData(report);
  });

  test('D4: with chart files, the only images are our own charts', () => {
    const withCharts = renderReportMarkdown(model, { chartBase: 'daily-2026-01-06' });
    expectNothingFromData(withCharts.markdown, withCharts.charts.map((c) => c.file));
  });

  test('D4: the report has exactly its own headings; "# …" and "\\n## Fake section" stay text', () => {
    const h = headings(tokens);
    expect(h.map((x) => `${x.level} ${x.level === 'h2' && x.text.startsWith('Hub 1: ') ? 'Hub 1' : x.text}`)).toEqual([
      'h1 MCP Hub daily review', 'h2 Overview', 'h2 Hub 1',
      'h3 Availability and SLOs', 'h3 Hub outages (polls failing or hub not up)', 'h3 Servers', 'h3 Incidents (alerts that fired)',
      'h3 Errors', 'h3 Latency (health round trip)', 'h3 Memory and capacity', 'h3 Tool-list changes', 'h3 Remediation',
      // The tap's calls, whose servers, tools and error types carry the same hostile names.
      'h3 Calls (seen by the tap)', 'h3 Slow servers (P95 > 2000 ms)', 'h3 Error type distribution', 'h3 Top tools by calls',
    ]);
    // The hub's heading shows the whole hostile URL as text, in one heading.
    expect(h[2]!.text).toBe(`Hub 1: ${shown(HUB)}`);
  });

  test('D4: every table keeps its rows and columns; the server table has one row of 9 cells per server', () => {
    expect(allTables.length).toBeGreaterThanOrEqual(8);
    for (const t of allTables) for (const r of t.rows) expect(r).toHaveLength(t.header.length);

    // Counted on the token stream itself: one tr per server, 9 th in the header, 9 td in every row.
    const open = tokens.findIndex((t, i) => t.type === 'table_open' && tokens[i + 3]?.type === 'th_open' && textOf(tokens[i + 4]) === 'server'
      && tokens.slice(i, tokens.findIndex((x, j) => j > i && x.type === 'thead_close')).filter((x) => x.type === 'th_open').length === 9);
    expect(open).toBeGreaterThanOrEqual(0);
    const close = tokens.findIndex((t, j) => j > open && t.type === 'table_close');
    const rows: Token[][] = [];
    for (const t of tokens.slice(open, close)) {
      if (t.type === 'tr_open') rows.push([]);
      else rows[rows.length - 1]?.push(t);
    }
    expect(rows).toHaveLength(1 + HOSTILE.length);
    expect(rows[0]!.filter((t) => t.type === 'th_open')).toHaveLength(9);
    for (const r of rows.slice(1)) expect(r.filter((t) => t.type === 'td_open')).toHaveLength(9);

    expect(tableOf('start', 7)?.rows).toHaveLength(HOSTILE.length); // incidents
    expect(tableOf('time', 6)?.rows).toHaveLength(HOSTILE.length); // tool-list changes
    expect(tableOf('code', 2)?.rows).toHaveLength(10); // the top 10 error codes
    expect(tableOf('hub', 8)?.rows).toHaveLength(1); // the overview
    expect(tableOf('time', 7)?.rows).toHaveLength(HOSTILE.length); // remediation

    // A split cell would push the row's other cells one column right (markdown-it drops cells beyond the
    // header's count, so the count alone can hide it): every column still holds what it should.
    for (const r of tableOf('server', 9)!.rows) {
      expect(r.slice(1)).toEqual([expect.stringMatching(/^\d+\.\d+% \(\d+\/\d+\)$/), 'unknown', expect.stringMatching(/%$/),
        '1', '5m', '5m', '1', 'no']);
    }
    for (const r of tableOf('start', 7)!.rows) expect(r.slice(2, 5)).toEqual(['5m', 'warning', 'server.status']);
    for (const r of tableOf('time', 6)!.rows) expect(r.slice(3)).toEqual(['—', '—', '1']);
    for (const r of tableOf('code', 2)!.rows) expect(r[1]).toMatch(/^\d+$/);
    expect(tableOf('hub', 8)!.rows[0]!.slice(5)).toEqual(['1', String(HOSTILE.length), '—']);
  });

  test('D4: nothing lost: each hostile string reads back, character for character, from its cell', () => {
    expect(tableOf('server', 9)!.rows.map((r) => r[0])).toEqual(HOSTILE.map((s) => shown(s)));
    expect(tableOf('start', 7)!.rows.map((r) => [r[5], r[6]])).toEqual(HOSTILE.map((s) => [shown(s), shown(s)]));
    expect(tableOf('time', 6)!.rows.map((r) => [r[1], r[2]])).toEqual(HOSTILE.map((s) => [shown(s), shown(s)]));
    expect(tableOf('time', 7)!.rows.map((r) => [r[1], r[2], r[3], r[5], r[6]])).toEqual(HOSTILE.map((s) => ['heal_server', shown(s), 'failed', shown(`${s}: dead`), shown(`stopped, then the start failed: ${s}`)]));
    expect(tableOf('code', 2)!.rows.map((r) => r[0])).toEqual(HOSTILE.slice(0, 10).map((s) => shown(s)));
    expect(tableOf('hub', 8)!.rows[0]![0]).toBe(shown(HUB));

    const text = flat(tokens).filter((t) => t.type === 'text').map((t) => t.content).join('\n');
    expect(text).toContain('[x](javascript:alert(1))'); // a link written out, not followed
    expect(text).toContain('![](http://tracker/pixel.png)'); // an image written out, not loaded
    expect(text).toContain('<img src=x onerror=alert(1)>');
    expect(text).toContain('intro\\x0a## Fake section'); // the newline shown, the heading kept as text
    expect(text).toContain('pre-escaped\\|pipe'); // the backslash and the pipe both kept
    expect(text).toContain(`huge${'Z'.repeat(400)}`); // the huge token: its start, cut with an ellipsis
    expect(md.render(report)).toContain('&lt;img src=x onerror=alert(1)&gt;'); // in HTML: text, not a tag
  });

  describe('the baseline', () => {
    const baseline = hostileBaseline();
    const btokens = md.parse(baseline, {});

    test('D4: the baseline has no HTML, link, image, rule or list from data', () => {
      // The baseline's own header is a list (status, started, …): allow exactly that one, with its 6 items.
      const own = baseline.replace(/^- .*\n/gm, '');
      expectNothingFromData(own);
      expect(btokens.filter((t) => t.type === 'bullet_list_open')).toHaveLength(1);
      expect(btokens.filter((t) => t.type === 'list_item_open')).toHaveLength(6);
    });

    test('D4: the baseline has exactly its own headings and keeps its tables', () => {
      const h = headings(btokens);
      expect(h.map((x) => x.level)).toEqual(['h1', 'h2', 'h3', 'h3', 'h3', 'h3', 'h3']);
      expect(h[1]!.text).toBe(`Hub ${shown(HUB, 200)} (mcp-hub ${shown('# 4.2.1\n---', 40)}, state ${shown('<!-- ready', 40)}, pid 7)`);
      for (const x of h) if (x !== h[1]) expect(x.text).not.toMatch(DATA_MARKERS);

      const bt = tables(btokens);
      for (const t of bt) for (const r of t.rows) expect(r).toHaveLength(t.header.length);
      const probes = bt.find((t) => t.header[0] === 'server')!;
      expect(probes.header).toHaveLength(8);
      expect(probes.rows.map((r) => r[0])).toEqual(HOSTILE.map((s) => shown(s, 80)));
      const findings = bt.find((t) => t.header[0] === 'status' && t.header.length === 4)!;
      const probeFindings = findings.rows.filter((r) => r[1] === 'measure.probe');
      expect(probeFindings.map((r) => r[2])).toEqual(HOSTILE.map((s) => shown(s, 80)));
      // The probe outcome (hub data) is in the message, readable.
      expect(probeFindings.map((r) => r[3]).join('\n')).toContain('(<img src=x onerror=alert(1)>)');
      const text = flat(btokens).filter((t) => t.type === 'text').map((t) => t.content).join('\n');
      expect(text).toContain('Not measured: intro\\x0a## Fake section <img src=x onerror=alert(3)>.');
    });
  });
});
