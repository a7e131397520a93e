/**
 * The fleet's rows and outliers as words and numbers, once, for every view of them: `status --fleet`, the
 * web page (web/fleet.ts bundles this file), the terminal dashboard and the reports. The strings are plain:
 * hub and server names come back as given and each view escapes them its own way (sanitizeTerminal,
 * textContent, escapeHtml/escapeMarkdown). No Node import: it runs in the browser too.
 */
import { FLEET_METRIC_TEXT, type FleetHubRow, type FleetNotCompared, type FleetOutlier } from '../evaluate/fleet.js';

/** One hub's row, every cell a string. */
export interface FleetCells {
  hub: string;
  level: string;
  /** Polls that answered: `100.00%`, `—` with no poll in the window. */
  availability: string;
  /** Health latency p50 / p95 in ms: `5.0`, `—` with none. */
  p50: string;
  p95: string;
  /** Error ratio: `33.3%`, `—` with nothing to judge it by. */
  errors: string;
  /** Where the error ratio comes from: calls, probes, polls or `—`. */
  errorSource: string;
  /** Servers up/down: `2/1`. */
  servers: string;
  restarts: string;
}

/** The columns in order, with the header every view writes. */
export const FLEET_COLUMNS: readonly { key: keyof FleetCells; title: string; align: 'l' | 'r' }[] = [
  { key: 'hub', title: 'hub', align: 'l' },
  { key: 'level', title: 'level', align: 'l' },
  { key: 'availability', title: 'avail', align: 'r' },
  { key: 'p50', title: 'p50 ms', align: 'r' },
  { key: 'p95', title: 'p95 ms', align: 'r' },
  { key: 'errors', title: 'errors', align: 'r' },
  { key: 'errorSource', title: 'from', align: 'l' },
  { key: 'servers', title: 'up/down', align: 'r' },
  { key: 'restarts', title: 'restarts', align: 'r' },
];

/** The cell an outlier of each metric stands out in (highlighted by the views that can). */
export const OUTLIER_CELL: Readonly<Record<FleetOutlier['metric'], keyof FleetCells>> = {
  health_latency_ms: 'p50', error_ratio: 'errors', restarts_per_hour: 'restarts', server: 'servers',
};

const pct = (v: number | undefined, digits: number) => (v === undefined ? '—' : `${(v * 100).toFixed(digits)}%`);
const ms = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(1));

export function fleetCells(r: FleetHubRow): FleetCells {
  return {
    hub: r.hub, level: r.level, availability: pct(r.availability, 2), p50: ms(r.latency?.p50), p95: ms(r.latency?.p95),
    errors: pct(r.errorRatio, 1), errorSource: r.errorSource ?? '—', servers: `${r.serversUp}/${r.serversDown}`, restarts: String(r.restarts),
  };
}

/** A row's cells in column order. */
export const fleetCellList = (r: FleetHubRow): string[] => {
  const c = fleetCells(r);
  return FLEET_COLUMNS.map((col) => c[col.key]);
};

/** The cells of a hub that stand out (OUTLIER_CELL of each of its outliers). */
export function outlierCellsOf(hub: string, outliers: readonly FleetOutlier[]): Set<keyof FleetCells> {
  return new Set(outliers.filter((o) => o.hub === hub).map((o) => OUTLIER_CELL[o.metric]));
}

/** An outlier named: the hub, the metric, its value against the fleet's median, and the robust z. */
export interface OutlierCells {
  hub: string;
  metric: string;
  value: string;
  median: string;
  z: string;
}

export const OUTLIER_COLUMNS: readonly { key: keyof OutlierCells; title: string; align: 'l' | 'r' }[] = [
  { key: 'hub', title: 'hub', align: 'l' },
  { key: 'metric', title: 'metric', align: 'l' },
  { key: 'value', title: 'value', align: 'r' },
  { key: 'median', title: 'fleet median', align: 'r' },
  { key: 'z', title: 'z', align: 'r' },
];

/** `rows` gives an error ratio's source (a call's failure and a probe's are not compared). */
export function outlierCells(o: FleetOutlier, rows: readonly FleetHubRow[]): OutlierCells {
  if (o.metric === 'server') {
    const others = (o.hubsWithServer ?? rows.length) - 1;
    return { hub: o.hub, metric: `server ${o.server ?? ''}`, value: 'down', median: `up on ${others} other hub${others === 1 ? '' : 's'}`, z: '—' };
  }
  const { name, fmt } = FLEET_METRIC_TEXT[o.metric];
  const source = o.metric === 'error_ratio' ? rows.find((r) => r.hub === o.hub)?.errorSource : undefined;
  return { hub: o.hub, metric: source ? `${name} (${source})` : name, value: fmt(o.value), median: fmt(o.median), z: o.z === undefined ? '—' : o.z.toFixed(2) };
}

/** An outlier in one line, without the hub: `error ratio (probes) 33.3% vs fleet median 0% (z 11.24)`. */
export function outlierLine(c: OutlierCells): string {
  return c.metric.startsWith('server ') ? `${c.metric} down here, ${c.median}` : `${c.metric} ${c.value} vs fleet median ${c.median} (z ${c.z})`;
}

/** What a view says of the outliers, after "outliers:": judged or not, and how many. */
export function outlierSummary(v: { notJudged?: string | null; outliers: readonly unknown[] }): string {
  if (v.notJudged !== undefined && v.notJudged !== null) return `not judged: ${v.notJudged}`;
  const n = v.outliers.length;
  return n === 0 ? 'none: no hub stands out from the fleet' : `${n} outlier${n === 1 ? '' : 's'} (fleet.outlier)`;
}

/** The metrics too few hubs have a value for, one line each: `error ratio (calls): 2 hubs have a value, need 3`. */
export function notComparedLines(notCompared: readonly FleetNotCompared[], minHubs: number): string[] {
  return notCompared.map((c) => {
    const name = FLEET_METRIC_TEXT[c.metric].name + (c.source ? ` (${c.source})` : '');
    const have = c.hubs === 0 ? 'no hub has a value' : `${c.hubs} hub${c.hubs === 1 ? ' has' : 's have'} a value`;
    return `${name}: ${have}, need ${minHubs}`;
  });
}
