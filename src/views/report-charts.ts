/**
 * The report's charts, per hub: availability, health latency and RSS over the period (line charts), time
 * down per server and the top error codes (bar charts). Chart ids are ours (`availability-1`), never a hub
 * string, because Markdown reports name the SVG files after them.
 */
import type { HubReport, ReportModel } from '../evaluate/report-model.js';
import { barChart, lineChart } from './svg-chart.js';

/** One rendered chart. */
export interface ReportChart {
  /** File-name-safe id, unique in the report. */
  id: string;
  /** Alt text; contains no hub string. */
  alt: string;
  svg: string;
}

const toPoints = (s: { t: number; v: number | null }[]) => s.map((p) => ({ x: p.t, y: p.v }));
const hasData = (s: { v: number | null }[]) => s.some((p) => p.v !== null);

/** Charts of one hub (the `n`th, from 1); a chart with no data at all is left out. */
export function hubCharts(h: HubReport, n: number, model: ReportModel): ReportChart[] {
  const out: ReportChart[] = [];
  const step = `${Math.round(h.series.stepMs / 60_000)} min`;
  out.push({
    id: `availability-${n}`, alt: `Availability per ${step}, hub ${n}`,
    svg: lineChart([{ name: 'availability', points: toPoints(h.series.availabilityPercent) }], {
      title: `Availability (% of polls with the hub up, per ${step}; gaps: no data)`, xAxis: 'time', yMin: 0, yMax: 100,
      format: (v) => `${Number(v.toFixed(2))}%`,
    }),
  });
  if (hasData(h.series.latencyMs)) {
    const line = [{ name: 'mean', points: toPoints(h.series.latencyMs) }];
    const p95 = h.latency.baseline?.p95Ms;
    // The baseline as a flat reference line across the period.
    if (p95 !== null && p95 !== undefined) line.push({ name: 'baseline p95', points: [{ x: model.period.from, y: p95 }, { x: model.period.to, y: p95 }] });
    out.push({
      id: `latency-${n}`, alt: `Health latency per ${step}, hub ${n}`,
      svg: lineChart(line, { title: `Health latency (ms, mean per ${step})`, xAxis: 'time', yMin: 0, format: (v) => `${Number(v.toPrecision(3))} ms` }),
    });
  }
  if (hasData(h.series.rssBytes)) {
    out.push({
      id: `rss-${n}`, alt: `Hub RSS per ${step}, hub ${n}`,
      svg: lineChart([{ name: 'RSS', points: toPoints(h.series.rssBytes) }], {
        title: `Hub RSS (MB, mean per ${step})`, xAxis: 'time', format: (v) => `${Number((v / 1e6).toPrecision(4))} MB`,
      }),
    });
  }
  if (h.servers.length > 0) {
    out.push({
      id: `servers-${n}`, alt: `Time down per server, hub ${n}`,
      svg: barChart(h.servers.map((s) => ({ label: s.name, value: s.downMs / 60_000 })), { title: 'Time down per server (minutes, from status events)' }),
    });
  }
  if (h.errors.codes.length > 0) {
    out.push({
      id: `errors-${n}`, alt: `Top error codes, hub ${n}`,
      svg: barChart(h.errors.codes.map((c) => ({ label: c.code, value: c.count })), { title: 'Top error codes (warning and error log lines)' }),
    });
  }
  return out;
}
