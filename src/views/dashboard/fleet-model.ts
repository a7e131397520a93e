/**
 * The terminal dashboard's fleet table, pure: from the fleet's verdict (evaluate/fleet.ts over the daemon's
 * history), the rows of `status --fleet` laid out for the width, each cell of a hub that stands out marked,
 * and the outliers named — or why they were not judged, or why there is no table at all. Cells come from
 * views/fleet-format.ts (the same words as status --fleet and the web page); hub and server names are
 * neutralised here.
 */
import type { FleetVerdict } from '../../evaluate/fleet.js';
import type { Level } from '../../evaluate/types.js';
import { FLEET_COLUMNS, fleetCells, notComparedLines, outlierCells, outlierCellsOf, outlierLine, outlierSummary } from '../fleet-format.js';
import { sanitizeTerminal } from '../sanitize.js';

/** A cell as the screen prints it: padded to its column, `standsOut` when it is what makes the hub an outlier. */
export interface FleetCell { text: string; standsOut: boolean }

/** `mark` is `!` on a hub that stands out (visible without colour too), else a space. */
export interface FleetRowView { level: Level; mark: '!' | ' '; cells: FleetCell[] }

export interface FleetView {
  /** `fleet over the last 10m: 3 hubs`, or why there is no table. */
  title: string;
  /** Padded column headers (empty without a table). */
  header: string;
  rows: FleetRowView[];
  /** `outliers: none: …`, `outliers: 2 outliers (fleet.outlier)`, `outliers: not judged: 2 hubs, need 3`. */
  note: string;
  /** One line per outlier: the hub, then the metric and its value against the fleet's median. */
  outliers: string[];
  /** `not compared: error ratio (calls): 2 hubs have a value, need 3`, one per metric too few hubs have. */
  notCompared: string[];
}

const GAP = '  ';
/** What a row starts with: its mark and a space. */
const MARK = '! ';
const MIN_HUB_WIDTH = 12;

/** The fleet table for a screen `width` columns wide; the hub column takes what the others leave. */
export function fleetView(v: FleetVerdict, o: { windowLabel: string; minHubs: number; width: number }): FleetView {
  const hubs = v.rows.length;
  const title = `fleet over the last ${o.windowLabel}: ${hubs} hub${hubs === 1 ? '' : 's'}`;
  if (hubs === 0) return { title: `fleet: no hub recorded in the last ${o.windowLabel}`, header: '', rows: [], note: '', outliers: [], notCompared: [] };
  const cells = v.rows.map((r) => ({ ...fleetCells(r), hub: sanitizeTerminal(r.hub, 200) }));
  const widths = FLEET_COLUMNS.map((c) => Math.max(c.title.length, ...cells.map((x) => x[c.key].length)));
  const others = widths.slice(1).reduce((n, w) => n + w + GAP.length, 0);
  widths[0] = Math.max(MIN_HUB_WIDTH, Math.min(widths[0] as number, o.width - others - MARK.length));
  const fit = (text: string, i: number) => {
    const w = widths[i] as number;
    const t = text.length > w ? `${text.slice(0, w - 1)}…` : text;
    return FLEET_COLUMNS[i]!.align === 'r' ? t.padStart(w) : t.padEnd(w);
  };
  const rows = v.rows.map((r, ri): FleetRowView => {
    const odd = outlierCellsOf(r.hub, v.outliers);
    return { level: r.level, mark: odd.size > 0 ? '!' : ' ', cells: FLEET_COLUMNS.map((c, i) => ({ text: fit(cells[ri]![c.key], i), standsOut: odd.has(c.key) })) };
  });
  const header = `${' '.repeat(MARK.length)}${FLEET_COLUMNS.map((c, i) => fit(c.title, i)).join(GAP)}`;
  const note = `outliers: ${outlierSummary(v)}`;
  const outliers = v.outliers.map((x) => {
    const c = outlierCells(x, v.rows);
    return `${sanitizeTerminal(c.hub, 120)}  ${sanitizeTerminal(outlierLine(c), 200)}`;
  });
  return { title, header, rows, note, outliers, notCompared: notComparedLines(v.notCompared, o.minHubs).map((l) => `not compared: ${l}`) };
}

/** What the dashboard's loader gives: the fleet's verdict over the daemon's history, or why there is none. */
export type FleetSource = { verdict: FleetVerdict; windowLabel: string; minHubs: number } | { unavailable: string };

/** The fleet screen for `width` columns: the table, why there is none, or that it is still loading. */
export function fleetScreen(src: FleetSource | undefined, width: number): FleetView {
  const bare = (title: string): FleetView => ({ title, header: '', rows: [], note: '', outliers: [], notCompared: [] });
  if (src === undefined) return bare('fleet: loading…');
  if ('unavailable' in src) return bare(`fleet: ${sanitizeTerminal(src.unavailable, 300)}`);
  return fleetView(src.verdict, { windowLabel: src.windowLabel, minHubs: src.minHubs, width });
}
