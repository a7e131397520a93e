/** Panel builders for the Grafana dashboard (schemaVersion 39 panel JSON), laid out on the 24-column grid. */

/** The Prometheus datasource every panel and the hub variable use: the dashboard's DS_PROMETHEUS variable. */
export const DATASOURCE = { type: 'prometheus', uid: '${DS_PROMETHEUS}' } as const;

/** One Grafana panel as JSON. */
export type Panel = Record<string, unknown> & { id: number; type: string; title: string; gridPos: GridPos };
/** A panel's place: x/w in 24 columns, y/h in rows of 30 px. */
export interface GridPos { x: number; y: number; w: number; h: number }

/** One PromQL query of a panel. */
export interface Query {
  expr: string;
  legend?: string;
  /** An instant query (stat, gauge, table) rather than a range. */
  instant?: boolean;
}

/** A value → text/colour mapping, as stat and state-timeline panels show states. */
export type Mapping = [value: number, text: string, color: string];

/** Lays panels out row by row and numbers them. */
export class Layout {
  readonly panels: Panel[] = [];
  private y = 0;
  private x = 0;
  private rowHeight = 0;
  private nextId = 1;

  /** A collapsible row header; later panels start below it. */
  row(title: string): void {
    this.newLine();
    this.panels.push({ id: this.nextId++, type: 'row', title, collapsed: false, panels: [], gridPos: { x: 0, y: this.y, w: 24, h: 1 } });
    this.y += 1;
  }

  /** Adds a panel `w` wide and `h` high, wrapping to a new line when the row is full. */
  add(w: number, h: number, p: Omit<Panel, 'id' | 'gridPos'>): void {
    if (this.x + w > 24) this.newLine();
    this.panels.push({ id: this.nextId++, gridPos: { x: this.x, y: this.y, w, h }, ...p } as Panel);
    this.x += w;
    this.rowHeight = Math.max(this.rowHeight, h);
  }

  private newLine(): void {
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }
}

function targets(queries: readonly Query[]): Record<string, unknown>[] {
  return queries.map((q, i) => ({
    datasource: DATASOURCE,
    refId: String.fromCharCode(65 + i),
    expr: q.expr,
    legendFormat: q.legend ?? '__auto',
    range: !q.instant,
    instant: Boolean(q.instant),
    editorMode: 'code',
  }));
}

function mappings(m: readonly Mapping[]): Record<string, unknown>[] {
  return m.length ? [{ type: 'value', options: Object.fromEntries(m.map(([v, text, color], index) => [String(v), { text, color, index }])) }] : [];
}

/** Threshold steps: a base colour, then [value, colour] pairs. */
function thresholds(base: string, steps: readonly [number, string][]): Record<string, unknown> {
  return { mode: 'absolute', steps: [{ color: base, value: null }, ...steps.map(([value, color]) => ({ color, value }))] };
}

/** Common fieldConfig: unit, mappings, thresholds. */
function fieldConfig(o: { unit?: string; min?: number; max?: number; mappings?: readonly Mapping[]; thresholds?: [string, [number, string][]]; custom?: Record<string, unknown> }): Record<string, unknown> {
  return {
    defaults: {
      ...(o.unit ? { unit: o.unit } : {}),
      ...(o.min !== undefined ? { min: o.min } : {}),
      ...(o.max !== undefined ? { max: o.max } : {}),
      mappings: mappings(o.mappings ?? []),
      thresholds: thresholds(...(o.thresholds ?? ['green', []])),
      color: { mode: o.mappings?.length || o.thresholds ? 'thresholds' : 'palette-classic' },
      custom: o.custom ?? {},
    },
    overrides: [],
  };
}

/** A stat panel (latest value per series, coloured by mapping or threshold). */
export function stat(title: string, description: string, queries: Query[], o: Parameters<typeof fieldConfig>[0] = {}): Omit<Panel, 'id' | 'gridPos'> {
  return {
    type: 'stat', title, description, datasource: DATASOURCE, targets: targets(queries), fieldConfig: fieldConfig(o),
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none', textMode: 'auto', orientation: 'auto', justifyMode: 'auto' },
  };
}

/** A gauge panel. */
export function gauge(title: string, description: string, queries: Query[], o: Parameters<typeof fieldConfig>[0] = {}): Omit<Panel, 'id' | 'gridPos'> {
  return {
    type: 'gauge', title, description, datasource: DATASOURCE, targets: targets(queries), fieldConfig: fieldConfig(o),
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, showThresholdLabels: false, showThresholdMarkers: true },
  };
}

/** A time series graph; `thresholdLine` draws the alert threshold as a dashed line. */
export function timeseries(title: string, description: string, queries: Query[], o: Parameters<typeof fieldConfig>[0] & { thresholdLine?: number } = {}): Omit<Panel, 'id' | 'gridPos'> {
  const custom = { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: false, thresholdsStyle: { mode: o.thresholdLine !== undefined ? 'dashed' : 'off' } };
  const fc = fieldConfig({ ...o, custom, ...(o.thresholdLine !== undefined ? { thresholds: ['green', [[o.thresholdLine, 'red']]] } : {}) });
  (fc.defaults as Record<string, unknown>).color = { mode: 'palette-classic' };
  return {
    type: 'timeseries', title, description, datasource: DATASOURCE, targets: targets(queries), fieldConfig: fc,
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
  };
}

/** A state timeline: one lane per series, coloured by value mapping (the server availability view). */
export function stateTimeline(title: string, description: string, queries: Query[], m: Mapping[]): Omit<Panel, 'id' | 'gridPos'> {
  return {
    type: 'state-timeline', title, description, datasource: DATASOURCE, targets: targets(queries),
    fieldConfig: fieldConfig({ mappings: m, custom: { fillOpacity: 80, lineWidth: 0 } }),
    options: { mergeValues: true, showValue: 'never', alignValue: 'left', rowHeight: 0.9, legend: { displayMode: 'list', placement: 'bottom', showLegend: false }, tooltip: { mode: 'single', sort: 'none' } },
  };
}

/** A Markdown text panel (no queries). */
export function text(title: string, markdown: string): Omit<Panel, 'id' | 'gridPos'> {
  return { type: 'text', title, options: { mode: 'markdown', content: markdown, code: { language: 'plaintext', showLineNumbers: false, showMiniMap: false } } };
}
