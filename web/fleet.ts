/**
 * The web dashboard's fleet page: every watched hub side by side over fleet.window (level, availability,
 * health latency p50/p95, error ratio and its source, servers up/down, restarts) from /api/fleet, the
 * cells that stand out highlighted, and the outliers named (hub, metric, value against the fleet's median,
 * robust z) — or why they were not judged. Redrawn on every tick of /api/stream. Cells are formatted by
 * src/views/fleet-format.ts, as `status --fleet` and the terminal dashboard format them; every string goes
 * in with textContent.
 */
import type { FleetHubRow, FleetNotCompared, FleetOutlier } from '../src/evaluate/fleet.js';
import { FLEET_COLUMNS, fleetCells, notComparedLines, OUTLIER_COLUMNS, outlierCells, outlierCellsOf, outlierSummary } from '../src/views/fleet-format.js';
import { $, api, el, live, type Json } from './dom.js';

const windowText = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`);

function head(table: string, columns: readonly { title: string }[]): void {
  const tr = el('tr');
  for (const c of columns) tr.append(el('th', c.title));
  $(`${table} thead`).replaceChildren(tr);
}

function render(data: Json): void {
  const rows = data.hubs as FleetHubRow[];
  const outliers = data.outliers as FleetOutlier[];
  $('#fleet-title').textContent = `Fleet over the last ${windowText(data.windowMs)}: ${rows.length} hub${rows.length === 1 ? '' : 's'}`;
  head('#fleet', FLEET_COLUMNS);
  $('#fleet tbody').replaceChildren(...(rows.length === 0 ? [noRows(FLEET_COLUMNS.length, 'no hub watched')] : rows.map((r) => {
    const cells = fleetCells(r);
    const odd = outlierCellsOf(r.hub, outliers);
    const tr = el('tr', undefined, `level-${r.level}${odd.size > 0 ? ' outlier' : ''}`);
    tr.dataset.hub = r.hub;
    for (const c of FLEET_COLUMNS) {
      const td = el('td', cells[c.key], odd.has(c.key) ? 'stands-out' : c.align === 'r' ? 'num' : '');
      td.dataset.col = c.key;
      tr.append(td);
    }
    return tr;
  })));
  $('#judged').textContent = outlierSummary({ notJudged: data.notJudged, outliers });
  // Metrics too few hubs have a value for: said, so nobody reads their silence as "compared, all fine".
  $('#not-compared').replaceChildren(...notComparedLines(data.notCompared as FleetNotCompared[], data.minHubs).map((line) => el('li', `not compared: ${line}`)));
  head('#outliers', OUTLIER_COLUMNS);
  $('#outliers tbody').replaceChildren(...outliers.map((o) => {
    const cells = outlierCells(o, rows);
    const tr = el('tr', undefined, 'outlier');
    tr.dataset.hub = o.hub;
    for (const c of OUTLIER_COLUMNS) tr.append(el('td', cells[c.key]));
    return tr;
  }));
  $('#outliers').hidden = outliers.length === 0;
}

function noRows(span: number, text: string): HTMLTableRowElement {
  const tr = el('tr', undefined, 'muted');
  const td = el('td', text);
  td.colSpan = span;
  tr.append(td);
  return tr;
}

async function refresh(): Promise<void> {
  try {
    render(await api('/api/fleet'));
    document.body.dataset.loaded = String(Date.now());
  } catch (err) {
    $('#live').textContent = `error: ${String(err)}`;
  }
}

void refresh();
live(() => { void refresh(); });
