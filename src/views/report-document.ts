/**
 * The report as a neutral document — headings, paragraphs, tables, charts — that the Markdown and HTML
 * views render. Every string in it is plain, unescaped text (hub strings included): each renderer escapes
 * every string it writes, with no exceptions to remember, so a hostile server name is safe in both.
 */
import { topServers } from '../evaluate/report.js';
import { allowedBadMs } from '../evaluate/slo.js';
import type { HubReport, ReportModel } from '../evaluate/report-model.js';
import type { CapacityPrediction } from '../evaluate/capacity.js';
import { capacityResourceName, describeOutlook, describeOutlookState, intervalWords } from '../evaluate/capacity-outlook.js';
import { hubCharts, type ReportChart } from './report-charts.js';
import { FLEET_COLUMNS, fleetCellList, notComparedLines, OUTLIER_COLUMNS, outlierCells, outlierSummary } from './fleet-format.js';
import { fmtAvailability, fmtChange, fmtDuration, fmtMb, fmtMs, fmtPercent, fmtTime } from './report-format.js';

/** A run of text; `strong` is emphasised. */
export type Inline = string | { strong: string };

/** One block of the document. */
export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; parts: Inline[] }
  | { kind: 'table'; header: string[]; align: ('l' | 'r')[]; rows: string[][] }
  | { kind: 'chart'; chart: ReportChart };

/** Most rows a table shows; the rest are counted in a line below it. */
const MAX_ROWS = 200;
/** Most names listed in one cell (tools added, removed, changed). */
const MAX_NAMES = 10;

const p = (...parts: Inline[]): Block => ({ kind: 'paragraph', parts });

function table(header: string[], align: ('l' | 'r')[], rows: string[][], what: string): Block[] {
  if (rows.length === 0) return [p(`No ${what}.`)];
  const out: Block[] = [{ kind: 'table', header, align, rows: rows.slice(0, MAX_ROWS) }];
  if (rows.length > MAX_ROWS) out.push(p(`… and ${rows.length - MAX_ROWS} more ${what} not shown (see --format json).`));
  return out;
}

function names(list: readonly string[]): string {
  if (list.length === 0) return '—';
  const shown = list.slice(0, MAX_NAMES).join(', ');
  return list.length > MAX_NAMES ? `${shown} (+${list.length - MAX_NAMES} more)` : shown;
}

function overview(m: ReportModel): Block[] {
  return table(['hub', 'availability', 'previous', 'error budget used', 'unknown (daemon not running)', 'outages', 'incidents', 'flapping servers'],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    m.hubs.map((h) => [h.hub, fmtAvailability(h.availability.current), fmtPercent(h.availability.previous.percent),
      fmtPercent(h.availability.budgetUsedPercent, 1), fmtDuration(h.unknown.totalMs), String(h.outages.length), String(h.incidents.length),
      names(h.servers.filter((s) => s.flapping).map((s) => s.name))]), 'hubs in the store');
}

/** The hubs side by side over the period and the ones that stand out (a report of two hubs or more). */
function fleet(m: ReportModel): Block[] {
  const f = m.fleet;
  if (!f) return [];
  const outliers = f.outliers.map((o) => {
    const c = outlierCells(o, f.rows);
    return OUTLIER_COLUMNS.map((col) => c[col.key]);
  });
  return [
    { kind: 'heading', level: 2, text: 'Fleet' },
    ...table(FLEET_COLUMNS.map((c) => c.title), FLEET_COLUMNS.map((c) => c.align), f.rows.map(fleetCellList), 'hubs'),
    p('The hubs side by side over the period: level from the alerts firing at its end; avail the polls that answered; health latency p50/p95 '
      + 'as each hub\'s latency section reads it; errors from the tap\'s calls, else the probes, else the polls (from); servers up/down as the '
      + 'period\'s last minute (hour, monthly) saw them; restarts of servers that came back after going down, and of the hub.'),
    p({ strong: 'Outliers' }, `: ${outlierSummary(f)}${outliers.length === 0 ? '.' : ' — a hub worse than the fleet\'s median by a robust z above the threshold, or a server down on it while up on the others.'}`),
    ...(outliers.length === 0 ? [] : table(OUTLIER_COLUMNS.map((c) => c.title), OUTLIER_COLUMNS.map((c) => c.align), outliers, 'outliers')),
    ...notComparedLines(f.notCompared, f.minHubs).map((line) => p({ strong: 'Not compared' }, `: ${line}.`)),
  ];
}

function slo(h: HubReport, m: ReportModel): Block[] {
  const windowMs = m.objectives.sloWindowMs;
  const win = fmtDuration(windowMs);
  const periodMs = m.period.to - m.period.from;
  // The window's percentage is of the polls observed: with less than the window observed, it says how much.
  const windowCell = (o: HubReport['availability']) => (o.window.percent === null || o.window.observedMs >= windowMs
    ? fmtPercent(o.window.percent) : `${fmtPercent(o.window.percent)} over ${fmtDuration(o.window.observedMs)} observed`);
  const row = (name: string, o: HubReport['availability']) => [name, `${o.objectivePercent}%`, fmtAvailability(o.current), fmtPercent(o.previous.percent),
    fmtPercent(o.budgetUsedPercent, 1), windowCell(o), fmtPercent(o.window.budgetLeftPercent, 1)];
  const gaps = h.unknown.gaps;
  const allowed = (o: HubReport['availability'], span: number) => fmtDuration(allowedBadMs(span, o.objectivePercent));
  return [
    { kind: 'heading', level: 3, text: 'Availability and SLOs' },
    ...table(['objective', 'target', 'this period', 'previous period', 'error budget used (period)', `last ${win}`, `budget left (${win})`],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
      [row('availability (polls with the hub up)', h.availability), row(`latency (polls within ${m.objectives.latencyThresholdMs} ms)`, h.latencySlo),
        ...(h.callSlos ? [row('calls answered OK (through the tap)', h.callSlos.success), row(`calls within ${m.objectives.callLatencyThresholdMs} ms (through the tap)`, h.callSlos.latency)] : [])], 'objectives'),
    p({ strong: 'Error budget' }, `: time down observed ÷ the time down the whole span allows (availability: ${allowed(h.availability, periodMs)} in ${fmtDuration(periodMs)}, `
      + `${allowed(h.availability, windowMs)} in ${win}). This period: ${fmtDuration(h.availability.badMs)} down; last ${win}: ${fmtDuration(h.availability.window.badMs)} down `
      + `in ${fmtDuration(h.availability.window.observedMs)} observed. Time not observed spends none.`),
    // Without a tap there are no call rows: the calls section says why, rather than a 100 % of nothing.
    ...(h.callSlos ? [p({ strong: 'Calls' }, ': the SLO on the calls the tap saw; its budget is the failed (or slow) share of the calls × the time the daemon ran, against what the whole span allows.')] : []),
    p({ strong: 'Unknown' }, ` (daemon not running, counted neither up nor down): ${gaps.length === 0 ? 'none.' : `${fmtDuration(h.unknown.totalMs)} in ${gaps.length} gap${gaps.length === 1 ? '' : 's'}: ${gaps.slice(0, 20).map((g) => `${fmtTime(g.from)} → ${fmtTime(g.to)} (${fmtDuration(g.durationMs)})`).join('; ')}${gaps.length > 20 ? '; …' : ''}.`}`),
  ];
}

function outages(h: HubReport): Block[] {
  return [
    { kind: 'heading', level: 3, text: 'Hub outages (polls failing or hub not up)' },
    ...table(['start', 'end', 'down', 'failed polls'], ['l', 'l', 'r', 'r'],
      h.outages.map((o) => [fmtTime(o.start), o.ongoing ? `${fmtTime(o.end)} (ongoing)` : fmtTime(o.end), fmtDuration(o.downMs), String(o.failedPolls)]), 'hub outages'),
  ];
}

function servers(h: HubReport, m: ReportModel): Block[] {
  return [
    { kind: 'heading', level: 3, text: 'Servers' },
    ...table(['server', 'availability', 'previous', 'budget used', 'down episodes', 'time down', 'longest', 'cycles', 'flapping'],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
      h.servers.map((s) => [s.name, fmtAvailability(s.current), fmtPercent(s.previous.percent), fmtPercent(s.budgetUsedPercent, 1),
        String(s.downEpisodes), fmtDuration(s.downMs), fmtDuration(s.longestDownMs), String(s.cycles), s.flapping ? 'yes' : 'no']), 'servers'),
    p(`Flapping: more than ${m.objectives.flappingCycles} down/up cycles in the period. Server availability counts polls while the hub answered.`),
  ];
}

function incidents(h: HubReport): Block[] {
  return [
    { kind: 'heading', level: 3, text: 'Incidents (alerts that fired)' },
    ...table(['start', 'end', 'duration', 'severity', 'rule', 'server', 'summary'], ['l', 'l', 'r', 'l', 'l', 'l', 'l'],
      h.incidents.map((i) => [fmtTime(i.start), i.end === null ? 'still firing' : fmtTime(i.end), `${fmtDuration(i.durationMs)}${i.ongoing ? '+' : ''}`,
        i.severity, i.rule, i.server ?? '—', i.summary]), 'incidents'),
    p(`${h.incidents.length} incident${h.incidents.length === 1 ? '' : 's'} this period, ${h.incidentsPrevious} in the previous one.`),
  ];
}

function errors(h: HubReport): Block[] {
  const top = topServers(h);
  return [
    { kind: 'heading', level: 3, text: 'Errors' },
    p(`${h.errors.total} warning/error log lines this period (previous period: ${h.errors.totalPrevious}).`),
    ...table(['code', 'count'], ['l', 'r'], h.errors.codes.map((c) => [c.code, String(c.count)]), 'error codes'),
    p({ strong: 'Top servers' }, ' by errors, incidents and time down:'),
    ...table(['server', 'errors', 'incidents', 'time down'], ['l', 'r', 'r', 'r'],
      top.map((s) => [s.name, String(s.errors), String(s.incidents), fmtDuration(s.downMs)]), 'servers with errors, incidents or time down'),
  ];
}

function latency(h: HubReport, m: ReportModel): Block[] {
  const l = h.latency;
  const row = (name: string, s: typeof l.current) => (s ? [name, String(s.count), fmtMs(s.p50), fmtMs(s.p95), fmtMs(s.p99), fmtMs(s.max)] : [name, '0', '—', '—', '—', '—']);
  const rows = [row('this period', l.current), row('previous period', l.previous), ['change', '', fmtChange(l.changeP50Percent), fmtChange(l.changeP95Percent), '', '']];
  if (l.baseline) rows.push(['pinned baseline', '', fmtMs(l.baseline.p50Ms), fmtMs(l.baseline.p95Ms), '', ''], ['change vs baseline', '', '', fmtChange(l.baseline.changeP95Percent), '', '']);
  const basis = l.basis === 'raw' ? 'every poll' : `means of ${l.basis === '1m' ? '1-minute' : '1-hour'} buckets (raw polls are kept 48 h)`;
  return [
    { kind: 'heading', level: 3, text: 'Latency (health round trip)' },
    ...table(['', 'samples', 'p50', 'p95', 'p99', 'max'], ['l', 'r', 'r', 'r', 'r', 'r'], rows, 'latency samples'),
    p(`Values: ${basis}.${l.baseline ? '' : ` ${m.baseline.status === 'ok' ? 'The pinned baseline did not measure this hub.' : 'No pinned baseline to compare with.'}`}`),
  ];
}

/** How far the RSS goes towards one limit, in words: "500.0 MB (check warning) in 4.2 days (between 3.1 and 6.0)". */
function towards(pr: CapacityPrediction, what: string, horizonMs: number): string {
  const limit = `${fmtMb(pr.threshold)} (${what})`;
  if (pr.reason === 'already_over') return `${limit} is already reached`;
  return `${limit} in ${(pr.days ?? 0).toFixed(1)} days (${intervalWords(pr, horizonMs)})`;
}

function memory(h: HubReport, m: ReportModel): Block[] {
  const mem = h.memory;
  const words = capacityWords(m);
  const others = h.capacity.map((o) => p(`Capacity outlook: ${describeOutlook(o, words)}.`));
  if (!mem.current && !mem.previous && mem.trend.points === 0) return [{ kind: 'heading', level: 3, text: 'Memory and capacity' }, p('No RSS recorded for this hub (a remote hub, or its process is not visible from here).'), ...others];
  const rows = [['this period', fmtMb(mem.current?.meanBytes), fmtMb(mem.current?.maxBytes)], ['previous period', fmtMb(mem.previous?.meanBytes), fmtMb(mem.previous?.maxBytes)]];
  if (mem.baselineBytes !== null) rows.push(['pinned baseline', fmtMb(mem.baselineBytes), '—']);
  const w = mem.toWarning;
  const rate = `${fmtMb(Math.abs(w.slopePerDay))}/day`;
  const basis = `least squares over ${mem.trend.points} hourly means${mem.trend.fromMs !== null && mem.trend.toMs !== null ? `, ${fmtTime(mem.trend.fromMs)} to ${fmtTime(mem.trend.toMs)}` : ''}, with the 95 % prediction interval`;
  const outlook = w.reason === 'too_little_history'
    ? `Capacity outlook: too little RSS history to fit a trend (${Math.floor(((mem.trend.toMs ?? 0) - (mem.trend.fromMs ?? 0)) / 3_600_000)} h of hourly means; need ${Math.round(m.capacitySettings.minHistoryMs / 3_600_000)} h).`
    : w.reason === 'not_growing'
      ? `Capacity outlook: hub RSS is not growing (${w.slopePerDay >= 0 ? '+' : '−'}${rate}, within the noise; ${basis}): no limit in sight.`
      : `Capacity outlook: hub RSS grows by ${rate} (${basis}). It reaches ${towards(w, 'check warning', m.capacitySettings.horizonMs)}; ${towards(mem.toCritical, 'anomalies critical', m.capacitySettings.horizonMs)}.`;
  return [
    { kind: 'heading', level: 3, text: 'Memory and capacity' },
    ...table(['hub RSS', 'mean', 'max'], ['l', 'r', 'r'], rows, 'RSS samples'),
    p(outlook),
    ...others,
  ];
}

/** The capacity settings as the outlook's words name them. */
const capacityWords = (m: ReportModel) => ({ window: m.capacitySettings.windowMs, horizon: m.capacitySettings.horizonMs, min_history: m.capacitySettings.minHistoryMs });

/** The disk this machine's hub logs and the store use, and where their growth leads. */
function machineCapacity(m: ReportModel): Block[] {
  if (m.machineCapacity.length === 0) return [];
  return [
    { kind: 'heading', level: 2, text: 'Capacity of this machine' },
    ...m.machineCapacity.map((o) => p(`${capacityResourceName(o.resource).replace(/^./, (c) => c.toUpperCase())}: ${describeOutlookState(o, capacityWords(m))}.`)),
  ];
}

function tools(h: HubReport): Block[] {
  return [
    { kind: 'heading', level: 3, text: 'Tool-list changes' },
    ...table(['time', 'server', 'added', 'removed', 'changed', 'tools now'], ['l', 'l', 'l', 'l', 'l', 'r'],
      h.toolChanges.map((c) => [fmtTime(c.t), c.server ?? '—', names(c.added), names(c.removed), names(c.changed), c.count === null ? '—' : String(c.count)]), 'tool-list changes'),
  ];
}

/** What remediation (and `heal`) did: every attempt, dry-run decision and give-up of the period. */
function remediation(h: HubReport): Block[] {
  const r = h.remediation;
  const count = (result: string) => r.filter((e) => e.result === result).length;
  return [
    { kind: 'heading', level: 3, text: 'Remediation' },
    p(r.length === 0 ? 'Nothing was done to this hub or its servers (remediation is off, or nothing called for it).'
      : `${r.length} remediation event${r.length === 1 ? '' : 's'}: ${count('healed')} healed, ${count('done')} done, ${count('failed')} failed, ${count('gave_up')} gave up, ${count('dry_run')} dry runs.`),
    ...(r.length === 0 ? [] : table(['time', 'action', 'target', 'result', 'who', 'why', 'detail'], ['l', 'l', 'l', 'l', 'l', 'l', 'l'],
      r.map((e) => [fmtTime(e.t), e.action, e.target, e.dryRun && e.result !== 'dry_run' ? `${e.result} (dry run)` : e.result, e.who, e.why, e.detail ?? '—']), 'remediation events')),
  ];
}

/** The tap's calls: slow servers, error types and top tools, each beside the previous period. */
function calls(h: HubReport): Block[] {
  const c = h.calls;
  if (!c) return [{ kind: 'heading', level: 3, text: 'Calls (seen by the tap)' }, p('No calls recorded this period or the one before: no tap was connected, so the calls users made are not seen (see the tap command).')];
  const pct = (x: number | null) => fmtPercent(x, 1);
  const change = (now: number, before: number) => (before === 0 ? '—' : fmtChange((100 * (now - before)) / before));
  return [
    { kind: 'heading', level: 3, text: 'Calls (seen by the tap)' },
    p(`${c.current.calls} calls this period, ${c.current.errors} failed (success ${pct(c.current.successPercent)}); previous period: ${c.previous.calls} calls, ${c.previous.errors} failed (success ${pct(c.previous.successPercent)}).`),
    { kind: 'heading', level: 3, text: `Slow servers (P95 > ${c.slowThresholdMs} ms)` },
    ...table(['server', 'calls', 'p95', 'previous p95', `calls over ${c.slowThresholdMs} ms`], ['l', 'r', 'r', 'r', 'r'],
      c.slowServers.map((s) => [s.server, String(s.calls), fmtMs(Math.round(s.p95Ms)), s.previousP95Ms === null ? '—' : fmtMs(Math.round(s.previousP95Ms)), String(s.slowCalls)]),
      `servers with P95 above ${c.slowThresholdMs} ms`),
    { kind: 'heading', level: 3, text: 'Error type distribution' },
    ...table(['error type', 'calls', 'share of failures', 'previous period'], ['l', 'r', 'r', 'r'],
      c.errorTypes.map((e) => [e.type, String(e.count), pct(e.sharePercent), String(e.previous)]), 'failed calls'),
    { kind: 'heading', level: 3, text: 'Top tools by calls' },
    ...table(['server/tool', 'calls', 'previous', 'change', 'success', 'p95', 'top error'], ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
      c.topTools.map((t) => [`${t.server}/${t.tool}`, String(t.calls), String(t.previousCalls), change(t.calls, t.previousCalls), pct(t.successPercent),
        t.p95Ms === null ? '—' : fmtMs(Math.round(t.p95Ms)), t.topError ?? '—']), 'tool calls'),
    p(`P95 from the stored duration histograms (OpenTelemetry buckets), interpolated inside a bucket; "over ${c.slowThresholdMs} ms" counts the calls of the buckets wholly above it (exact on a bucket boundary, as 2000 ms is).`),
  ];
}

function baselineLine(m: ReportModel): Block {
  const b = m.baseline;
  if (b.status === 'absent') return p({ strong: 'Pinned baseline:' }, ` no pinned baseline (${b.file} does not exist).`);
  if (b.status === 'unreadable') return p({ strong: 'Pinned baseline:' }, ` ${b.file} is unreadable: ${b.detail ?? 'unknown error'}.`);
  return p({ strong: 'Pinned baseline:' }, ` ${b.name ?? '(unnamed)'}${b.takenAt === undefined ? '' : `, measured ${fmtTime(b.takenAt)}`} (${b.file}).`);
}

/** The document of a report: overview, then one section per hub with its charts in place. */
export function reportDocument(m: ReportModel): Block[] {
  const span = fmtDuration(m.period.to - m.period.from);
  const out: Block[] = [
    { kind: 'heading', level: 1, text: m.title },
    p('Period ', { strong: `${fmtTime(m.period.from)} → ${fmtTime(m.period.to)}` }, ` (${span}), compared with the ${span} before. Generated ${fmtTime(m.generatedAt)}. Times are UTC.`),
    p(`Objectives: availability ${m.objectives.availabilityPercent}% of polls; latency ${m.objectives.latencyPercent}% of polls within ${m.objectives.latencyThresholdMs} ms.`),
    baselineLine(m),
    { kind: 'heading', level: 2, text: 'Overview' },
    ...overview(m),
    ...machineCapacity(m),
    ...fleet(m),
  ];
  m.hubs.forEach((h, i) => {
    const charts = new Map(hubCharts(h, i + 1, m).map((c) => [c.id.replace(/-\d+$/, ''), c]));
    const chart = (id: string): Block[] => {
      const c = charts.get(id);
      return c ? [{ kind: 'chart', chart: c }] : [];
    };
    out.push({ kind: 'heading', level: 2, text: `Hub ${i + 1}: ${h.hub}` });
    out.push(...slo(h, m), ...chart('availability'), ...outages(h));
    out.push(...servers(h, m), ...chart('servers'), ...incidents(h), ...errors(h), ...chart('errors'));
    out.push(...latency(h, m), ...chart('latency'), ...memory(h, m), ...chart('rss'), ...tools(h), ...remediation(h), ...calls(h));
  });
  return out;
}
