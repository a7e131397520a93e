/**
 * The dashboard against the structure Grafana's schemaVersion 39 dashboards have (the fields the importer
 * and the panels need), checked by hand: there is no Grafana here to import it.
 */
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { buildGrafanaDashboard, DASHBOARD_SCHEMA_VERSION, HUB_VARIABLE_QUERY } from './grafana.js';

type J = Record<string, any>;
const PANEL_TYPES = new Set(['row', 'stat', 'gauge', 'timeseries', 'state-timeline', 'text', 'table', 'bargauge', 'heatmap']);
const BUILTIN_VARS = new Set(['__rate_interval', '__interval', '__range']);

/** Every structural problem of a dashboard, as sentences; [] when it is well-formed. */
function dashboardProblems(d: J): string[] {
  const out: string[] = [];
  const need = (cond: unknown, what: string) => { if (!cond) out.push(what); };
  need(typeof d.title === 'string' && d.title, 'title: a non-empty string');
  need(typeof d.uid === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(d.uid), 'uid: 1-40 characters [A-Za-z0-9_-]');
  need(d.schemaVersion === DASHBOARD_SCHEMA_VERSION, `schemaVersion: ${DASHBOARD_SCHEMA_VERSION}`);
  need(Number.isInteger(d.version), 'version: an integer');
  need(d.time && typeof d.time.from === 'string' && typeof d.time.to === 'string', 'time: {from, to}');
  need(Array.isArray(d.annotations?.list), 'annotations.list: an array');
  need(Array.isArray(d.templating?.list), 'templating.list: an array');
  need(Array.isArray(d.panels) && d.panels.length > 0, 'panels: a non-empty array');
  const vars = new Set<string>((d.templating?.list ?? []).map((v: J) => v.name));
  for (const v of d.templating?.list ?? []) {
    need(typeof v.name === 'string' && ['query', 'datasource', 'custom', 'interval', 'constant', 'textbox'].includes(v.type), `variable ${v.name}: a name and a known type`);
  }
  const ids = new Set<number>();
  const cells = new Set<string>();
  for (const p of d.panels ?? []) {
    const where = `panel ${p.id} "${p.title}"`;
    need(Number.isInteger(p.id) && !ids.has(p.id), `${where}: a unique integer id`);
    ids.add(p.id);
    need(PANEL_TYPES.has(p.type), `${where}: a known type (got ${p.type})`);
    need(typeof p.title === 'string' && p.title, `${where}: a title`);
    const g = p.gridPos ?? {};
    const ok = [g.x, g.y, g.w, g.h].every(Number.isInteger) && g.x >= 0 && g.y >= 0 && g.w > 0 && g.h > 0 && g.x + g.w <= 24;
    need(ok, `${where}: gridPos {x, y, w, h} inside 24 columns`);
    if (ok) {
      for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
        need(!cells.has(`${x},${y}`), `${where}: overlaps another panel at ${x},${y}`);
        cells.add(`${x},${y}`);
      }
    }
    if (p.type === 'row' || p.type === 'text') continue;
    need(p.datasource?.type === 'prometheus' && p.datasource?.uid === '${DS_PROMETHEUS}', `${where}: datasource \${DS_PROMETHEUS}`);
    need(Array.isArray(p.targets) && p.targets.length > 0, `${where}: targets`);
    need(p.fieldConfig?.defaults && Array.isArray(p.fieldConfig?.overrides), `${where}: fieldConfig {defaults, overrides}`);
    const refIds = new Set<string>();
    for (const t of p.targets ?? []) {
      need(typeof t.expr === 'string' && t.expr && typeof t.refId === 'string' && !refIds.has(t.refId), `${where}: each target has an expr and a unique refId`);
      refIds.add(t.refId);
      for (const m of String(t.expr).matchAll(/\$\{?(\w+)\}?/g)) need(vars.has(m[1]!) || BUILTIN_VARS.has(m[1]!), `${where}: unknown variable $${m[1]}`);
    }
  }
  return out;
}

describe('the dashboard', () => {
  const d = buildGrafanaDashboard(defaultConfig()) as J;

  test('has the structure of a schemaVersion 39 dashboard', () => {
    expect(dashboardProblems(d)).toEqual([]);
  });

  test('the structural check catches what it should (a broken copy fails it)', () => {
    const broken = structuredClone(d);
    broken.schemaVersion = 38;
    broken.panels[1].gridPos.w = 30;
    delete broken.panels[2].targets;
    broken.panels[3].targets[0].expr = 'up{x="$nope"}';
    expect(dashboardProblems(broken)).toEqual(expect.arrayContaining([
      'schemaVersion: 39', expect.stringMatching(/gridPos/), expect.stringMatching(/targets$/), expect.stringMatching(/unknown variable \$nope/),
    ]));
  });

  test('a datasource variable DS_PROMETHEUS and a hub variable from label_values(mcp_hub_up, hub)', () => {
    const [ds, hub] = d.templating.list;
    expect(ds).toMatchObject({ type: 'datasource', name: 'DS_PROMETHEUS', query: 'prometheus' });
    expect(hub).toMatchObject({ type: 'query', name: 'hub', definition: HUB_VARIABLE_QUERY, includeAll: true, multi: true, datasource: { uid: '${DS_PROMETHEUS}' } });
  });

  test('the promised panels: availability timeline, RSS, degradation, probe quantiles, SLO budget, alerts', () => {
    const byTitle = new Map<string, J>(d.panels.map((p: J) => [p.title, p]));
    expect(byTitle.get('Server availability')).toMatchObject({ type: 'state-timeline', targets: [{ expr: 'mcp_hub_server_up{hub=~"$hub"}' }] });
    expect(byTitle.get('Hub resident memory (RSS)')?.targets[0].expr).toBe('mcp_hub_process_resident_memory_bytes{hub=~"$hub"}');
    expect(byTitle.get('Degradation level')?.targets[0].expr).toBe('mcp_hub_degradation_level{hub=~"$hub"}');
    expect(byTitle.get('Probe latency (MCP round trip through the hub)')?.targets[1].expr)
      .toBe('histogram_quantile(0.95, sum by (le, hub) (rate(mcp_hub_probe_duration_seconds_bucket{hub=~"$hub"}[300s])))');
    expect(byTitle.get('SLO error budget left')?.type).toBe('gauge');
    expect(byTitle.get('Active alerts')?.targets[0].expr).toContain('mcp_hub_monitor_alerts');
  });

  test('a Fleet row: every hub side by side (not filtered by $hub) from the fleet rules, with the outlier z at fleet.outlier_z', () => {
    const at = d.panels.findIndex((p: J) => p.type === 'row' && p.title === 'Fleet');
    expect(at).toBeGreaterThan(0);
    const next = d.panels.findIndex((p: J, i: number) => i > at && p.type === 'row');
    const fleet = d.panels.slice(at + 1, next) as J[];
    expect(fleet.map((p) => p.title)).toEqual(['Fleet: health latency', 'Fleet: error ratio', 'Fleet: restarts per hour', 'Fleet: outlier z', 'Fleet: servers up / down', 'Fleet: servers per hub']);
    const exprs = fleet.flatMap((p) => p.targets.map((t: J) => t.expr as string));
    expect(exprs.filter((e) => e.includes('$hub'))).toEqual([]);
    expect(fleet[0]!.targets.map((t: J) => t.expr)).toEqual(['hub:mcp_hub_fleet_value:10m{metric="health_latency_ms"}', 'fleet:mcp_hub_fleet_value:median_10m{metric="health_latency_ms"}']);
    expect(fleet[1]!.targets[0].legendFormat).toBe('{{hub}} ({{source}})');
    expect(fleet[3]).toMatchObject({ targets: [{ expr: 'hub:mcp_hub_fleet_value:robust_z_10m' }] });
    expect(fleet[3]!.fieldConfig.defaults.thresholds.steps[1]).toEqual({ color: 'red', value: 3.5 });
    expect(fleet[5]).toMatchObject({ type: 'state-timeline', targets: [{ expr: 'hub_server:mcp_hub_fleet_server_up:bool' }] });
  });

  test('the Fleet row follows fleet.window and fleet.outlier_z', () => {
    const c = defaultConfig();
    c.fleet = { ...c.fleet, window: 60_000, outlier_z: 5 };
    const z = (buildGrafanaDashboard(c) as J).panels.find((p: J) => p.title === 'Fleet: outlier z');
    expect(z.targets[0].expr).toBe('hub:mcp_hub_fleet_value:robust_z_1m');
    expect(z.fieldConfig.defaults.thresholds.steps[1].value).toBe(5);
  });

  test('LLM performance, cache hit rate and queue depth are text panels saying they are not exposed', () => {
    for (const title of ['Real-time LLM performance', 'Cache hit rate trends', 'Queue depth']) {
      const p = d.panels.find((x: J) => x.title === title);
      expect(p).toMatchObject({ type: 'text' });
      expect(p.options.content).toContain('not exposed by this hub / the monitor');
    }
  });
});
