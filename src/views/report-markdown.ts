/**
 * The report as Markdown (the default format). Every string of the document is escaped with
 * escapeMarkdown — hub strings and our own text alike — so a server named `a|b`, with a newline, backticks
 * or `<script>`, stays one table cell. Charts are SVG files beside the Markdown, linked by relative name.
 */
import type { ReportModel } from '../evaluate/report-model.js';
import { escapeMarkdown, markdownTable } from './markdown.js';
import { reportDocument, type Block, type Inline } from './report-document.js';

/** A rendered Markdown report and the SVG files it links to (written beside it by the caller). */
export interface MarkdownReport {
  markdown: string;
  charts: { file: string; svg: string }[];
}

const inline = (parts: readonly Inline[]): string =>
  parts.map((x) => (typeof x === 'string' ? escapeMarkdown(x) : `**${escapeMarkdown(x.strong)}**`)).join('');

/** A file name as a Markdown link target: percent-encoded, parentheses included (they would end the link). */
const linkTarget = (file: string): string => encodeURIComponent(file).replace(/\(/g, '%28').replace(/\)/g, '%29');

/**
 * Renders the report. With `chartBase` (a file name without extension, e.g. `weekly-2026-01-13`) each chart
 * is linked as `<chartBase>-<id>.svg` and returned in `charts`; without it (stdout) charts are left out.
 */
export function renderReportMarkdown(model: ReportModel, opts: { chartBase?: string } = {}): MarkdownReport {
  const lines: string[] = [];
  const charts: MarkdownReport['charts'] = [];
  let skipped = 0;
  const add = (b: Block) => {
    switch (b.kind) {
      case 'heading':
        lines.push(`${'#'.repeat(b.level)} ${escapeMarkdown(b.text)}`);
        break;
      case 'paragraph':
        lines.push(inline(b.parts));
        break;
      case 'table':
        lines.push(markdownTable(b.header.map((h) => escapeMarkdown(h)), b.rows.map((r) => r.map((c) => escapeMarkdown(c))), b.align));
        break;
      case 'chart': {
        if (opts.chartBase === undefined) { skipped++; return; }
        const file = `${opts.chartBase}-${b.chart.id}.svg`;
        charts.push({ file, svg: `${b.chart.svg}\n` });
        lines.push(`![${escapeMarkdown(b.chart.alt)}](${linkTarget(file)})`);
        break;
      }
    }
  };
  for (const b of reportDocument(model)) add(b);
  if (skipped > 0) lines.push(escapeMarkdown(`(${skipped} charts not shown on stdout: write the report with --output FILE.md to get them as SVG files beside it, or use --format html.)`));
  return { markdown: `${lines.join('\n\n')}\n`, charts };
}
