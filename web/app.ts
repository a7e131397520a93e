/**
 * The web dashboard: overview of hubs with levels, servers, charts (uPlot) of health latency, RSS and
 * availability for 1 h–30 d, the tap's tools panel (slowest and most failing tools), alerts and events;
 * live over the daemon's /api/stream. Every string from the
 * hub goes in with textContent, never as HTML (faults D: hostile names render as text). Same-origin
 * scripts and styles only (CSP default-src 'self').
 */
import uPlot from 'uplot';
import { $, api, el, live, type Json } from './dom.js';

const ago = (s: number | null) => (s === null ? 'never' : s < 90 ? `${Math.round(s)} s ago` : `${Math.round(s / 60)} min ago`);
const dur = (s: number | null) => (s === null ? '-' : s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`);

async function renderHubs(): Promise<string[]> {
  const data = await api('/api/hubs');
  const box = $('#hubs');
  box.replaceChildren(...data.hubs.map((h: Json) => {
    const card = el('div', undefined, `hub level-${h.level}`);
    card.dataset.hub = h.url;
    card.append(el('div', h.url, 'url'),
      el('div', `${h.up ? 'up' : 'DOWN'} · state ${h.state ?? 'unknown'} · level ${h.level}`),
      el('div', `servers ${h.servers.up}/${h.servers.total} up${h.servers.dead ? `, ${h.servers.dead} dead` : ''}${h.servers.down ? `, ${h.servers.down} down` : ''}`),
      el('div', `last poll ${ago(h.lastPollAgeSeconds)}${h.healthLatencyMs !== null ? ` · health ${h.healthLatencyMs} ms` : ''}`, 'muted'));
    return card;
  }));
  renderTools(data);
  return data.hubs.map((h: Json) => h.url);
}

/** The tools panel: per hub, the slowest and the most failing tools over the calls window (from the tap). */
function renderTools(data: Json): void {
  const box = $('#tools');
  const tap = data.tap;
  if (!tap || tap.connected === 0) {
    const why = tap?.problem ? ` (${tap.problem})` : tap?.everConnected ? ' (a tap was connected and is gone)' : '';
    box.replaceChildren(el('p', `no tap connected — calls are not seen${why}`, 'muted empty'));
    return;
  }
  const windowText = tap.windowSeconds >= 120 ? `${Math.round(tap.windowSeconds / 60)} min` : `${tap.windowSeconds} s`;
  box.replaceChildren(...data.hubs.map((h: Json) => {
    const wrap = el('div', undefined, 'tools-hub');
    wrap.dataset.hub = h.url;
    wrap.append(el('h3', `${h.url} — ${h.tools.calls} calls, ${h.tools.errors} failed in the last ${windowText}`));
    for (const [kind, title, rows] of [['failing', 'most failing', h.tools.failing], ['slowest', 'slowest', h.tools.slowest]] as const) {
      const table = el('table', undefined, 'tools');
      table.dataset.list = kind;
      table.append(el('caption', title));
      const head = el('tr');
      for (const c of ['server/tool', 'calls', 'success', 'P95', 'top error']) head.append(el('th', c));
      table.append(head);
      for (const t of rows as Json[]) {
        const tr = el('tr', undefined, t.successPercent < 90 ? 'down' : '');
        tr.append(el('td', `${t.server}/${t.tool}`), el('td', String(t.calls)), el('td', `${t.successPercent} %`), el('td', t.p95Ms === undefined ? '-' : `${t.p95Ms} ms`), el('td', t.topError ?? '-'));
        table.append(tr);
      }
      if ((rows as Json[]).length === 0) {
        const none = el('tr', undefined, 'muted');
        none.append(el('td', kind === 'failing' ? 'no failed calls' : 'no calls'));
        table.append(none);
      }
      wrap.append(table);
    }
    return wrap;
  }));
}

async function renderServers(): Promise<void> {
  const data = await api('/api/servers');
  const rows: HTMLTableRowElement[] = [];
  for (const hub of data.hubs) {
    for (const s of hub.servers) {
      const tr = el('tr', undefined, s.dead ? 'dead' : s.up === false ? 'down' : '');
      tr.dataset.server = s.name;
      const status = s.dead ? 'DEAD (hub says connected)' : s.up ? 'connected' : s.verdict ?? 'down';
      tr.append(el('td', hub.url), el('td', s.name), el('td', status), el('td', dur(s.uptimeS)), el('td', s.tools === null ? '-' : String(s.tools)),
        el('td', s.probeOk === null ? '-' : s.probeOk ? `${s.probeLatencyMs ?? '?'} ms` : 'no answer'));
      rows.push(tr);
    }
  }
  $('#servers tbody').replaceChildren(...rows);
}

async function renderAlerts(): Promise<void> {
  const data = await api('/api/alerts');
  const items = data.open.filter((a: Json) => a.state === 'firing').map((a: Json) => el('li', `${a.severity.toUpperCase()} ${a.rule} ${a.summary}`, a.severity));
  $('#alerts').replaceChildren(...(items.length ? items : [el('li', data.enabled ? 'nothing firing' : 'alerting is off', 'muted')]));
}

async function renderEvents(): Promise<void> {
  const data = await api('/api/events?from=24h&limit=100');
  // A remediation says what was done and how it ended (as text: hub strings never become markup).
  const what = (e: Json) => (e.type === 'remediation' && e.data ? ` ${e.data.action} ${e.data.result}${e.data.dryRun ? ' (dry run)' : ''}${e.data.detail ? `: ${e.data.detail}` : ''}` : '');
  $('#events').replaceChildren(...data.events.map((e: Json) => el('li', `${new Date(e.t).toISOString().slice(5, 19).replace('T', ' ')} ${e.type}${e.server ? ` ${e.server}` : ''}${what(e)}`)));
}

const charts = new Map<string, uPlot>();
const CHARTS = [
  { name: 'hub.health_latency_ms', title: 'health latency (ms)' },
  { name: 'hub.rss_bytes', title: 'RSS (MiB)', scale: 1 / 1048576 },
  // 0 = a failed poll or the hub not up; a break in the line = the daemon was not running (unknown).
  { name: 'hub.up', title: 'hub up (1 up, 0 down; gap: no daemon)', range: [0, 1] as [number, number] },
];

async function renderCharts(hubs: string[]): Promise<void> {
  const range = ($('#range') as HTMLSelectElement).value;
  const box = $('#charts');
  for (const hub of hubs) {
    for (const c of CHARTS) {
      const key = `${hub}|${c.name}`;
      const data = await api(`/api/series?hub=${encodeURIComponent(hub)}&name=${encodeURIComponent(c.name)}&from=${range}`);
      const s = data.series[0];
      const xs: number[] = s ? s.t.map((t: number) => t / 1000) : [];
      const ys: (number | null)[] = s ? s.v.map((v: number | null) => (v === null ? null : v * (c.scale ?? 1))) : [];
      const existing = charts.get(key);
      if (existing) { existing.setData([xs, ys]); continue; }
      const wrap = el('div', undefined, 'chart');
      wrap.dataset.series = c.name;
      wrap.append(el('h3', `${c.title} — ${hub}`));
      box.append(wrap);
      const yRange = 'range' in c ? c.range : undefined;
      const plot = new uPlot({
        width: 400, height: 180, series: [{}, { label: c.title, stroke: '#2a7', width: 1.5, spanGaps: false }],
        ...(yRange ? { scales: { y: { range: yRange } } } : {}),
      }, [xs, ys], wrap);
      (wrap as HTMLElement & { plot?: uPlot }).plot = plot; // read by the browser test
      charts.set(key, plot);
    }
  }
}

async function refresh(full: boolean): Promise<void> {
  try {
    const hubs = await renderHubs();
    await Promise.all([renderServers(), renderAlerts(), renderEvents()]);
    if (full) await renderCharts(hubs);
    document.body.dataset.loaded = String(Date.now());
  } catch (err) {
    $('#live').textContent = `error: ${String(err)}`;
  }
}

let ticks = 0;

$('#range').addEventListener('change', () => { for (const c of charts.values()) c.destroy(); charts.clear(); $('#charts').replaceChildren(); void refresh(true); });
void refresh(true);
live(() => { ticks++; void refresh(ticks % 6 === 0); });
