/**
 * The report as one self-contained HTML file: inline CSS, charts as inline SVG, no script, and a CSP that
 * forbids loading or running anything (`default-src 'none'`), so even a hub string that escaped our
 * escaping could not fetch or execute. Every string of the document is escaped with escapeHtml after
 * control and bidi characters are made visible.
 */
import type { ReportModel } from '../evaluate/report-model.js';
import { escapeHtml } from './html.js';
import { reportDocument, type Inline } from './report-document.js';
import { sanitizeTerminal } from './sanitize.js';

/** The CSP of every HTML report: nothing but inline styles and data: images. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const CSS = `body{font:14px/1.45 system-ui,sans-serif;color:#111827;margin:0;background:#f9fafb}
main{max-width:1100px;margin:0 auto;padding:16px 24px;background:#fff}
h1{font-size:24px}h2{font-size:19px;border-bottom:1px solid #e5e7eb;padding-bottom:4px;margin-top:32px}h3{font-size:16px;margin-top:22px}
.scroll{overflow-x:auto}table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #e5e7eb;padding:3px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f3f4f6}.r{text-align:right;white-space:nowrap}figure{margin:12px 0}figcaption{color:#6b7280;font-size:12px}svg{max-width:100%;height:auto}`;

const text = (s: string): string => escapeHtml(sanitizeTerminal(s, 500));
const inline = (parts: readonly Inline[]): string => parts.map((x) => (typeof x === 'string' ? text(x) : `<strong>${text(x.strong)}</strong>`)).join('');

/** Renders the report as one HTML document. */
export function renderReportHtml(model: ReportModel): string {
  const body: string[] = [];
  for (const b of reportDocument(model)) {
    switch (b.kind) {
      case 'heading':
        body.push(`<h${b.level}>${text(b.text)}</h${b.level}>`);
        break;
      case 'paragraph':
        body.push(`<p>${inline(b.parts)}</p>`);
        break;
      case 'table': {
        const cls = (i: number) => (b.align[i] === 'r' ? ' class="r"' : '');
        const head = b.header.map((h, i) => `<th${cls(i)}>${text(h)}</th>`).join('');
        const rows = b.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${text(c)}</td>`).join('')}</tr>`).join('\n');
        body.push(`<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></div>`);
        break;
      }
      case 'chart':
        // The SVG comes from svg-chart.ts, which escapes every label it draws.
        body.push(`<figure>${b.chart.svg}<figcaption>${text(b.chart.alt)}</figcaption></figure>`);
        break;
    }
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(model.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body.join('\n')}
</main>
</body>
</html>
`;
}
