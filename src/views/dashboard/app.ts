/**
 * The terminal dashboard's screen, with `ink` (React for terminals): it redraws only what changed, handles
 * resizes and raw keys, and is loaded only by `dashboard`, so no other command pays for React. Written
 * with createElement rather than JSX to keep the build plain `tsc`. Strings arrive neutralised (model.ts).
 * ink is ESM-only and our bundles are CommonJS (Node 20 cannot require() ESM), so the command imports ink
 * and React with import() and hands them to createDashboard.
 */
import type * as ReactNs from 'react';
import type { ReactElement } from 'react';
import type * as InkNs from 'ink';
import { formatBytes } from '../../config/bytes.js';
import { alertAge, humanDuration, sparkline, type HubView, type ServerRow, type ToolsView } from './model.js';
import { toolLineText } from './tools-model.js';
import { fleetScreen, type FleetSource, type FleetView } from './fleet-model.js';

export interface DashboardProps {
  /** Loads the current views; called every `intervalMs`. */
  load: () => Promise<HubView[]>;
  intervalMs: number;
  source: string;
  /** Loads the fleet's verdict (or why there is none) with each refresh, for the fleet table (key f). */
  loadFleet?: () => Promise<FleetSource>;
}

/** The dashboard component, built on the ink and React modules the caller imported. */
export function createDashboard(ink: typeof InkNs, React: typeof ReactNs): (p: DashboardProps) => ReactElement {
  const { createElement: h, useEffect, useState } = React;
  const { Box, Text, useApp, useInput, useStdout } = ink;
  const LEVEL_COLOR: Record<string, string> = { green: 'green', yellow: 'yellow', orange: 'magenta', red: 'red' };
  const SHORT: Record<string, string> = { up: 'up', unconfirmed: 'up?', dead: 'DEAD', down: 'down', connecting: 'conn…', disabled: 'off', unknown: '?' };
const VERDICT_COLOR: Record<string, string> = { up: 'green', unconfirmed: 'green', dead: 'red', down: 'yellow', connecting: 'yellow', disabled: 'gray', unknown: 'yellow' };


  const pad = (s: string, n: number) => (s.length > n ? `${s.slice(0, Math.max(0, n - 1))}…` : s.padEnd(n));
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, Math.max(0, n - 1))}…` : s);

  function serverLine(s: ServerRow, width: number, selected: boolean): ReactElement {
    const wide = width >= 100;
    const name = pad(s.name, wide ? 24 : 18);
    const label = pad(wide ? s.label : SHORT[s.verdict] ?? s.verdict, wide ? 26 : 8);
    const extra = wide ? `${pad(s.uptime, 9)}${pad(String(s.tools), 6)}` : '';
    const used = 2 + name.length + label.length + extra.length;
    return h(Text, { key: s.name, inverse: selected, wrap: 'truncate' },
      selected ? '▶ ' : '  ', name, h(Text, { color: VERDICT_COLOR[s.verdict] ?? 'white', bold: s.verdict === 'dead' }, label), extra,
      clip(s.reason, Math.max(0, width - used - 1)));
  }

  /** The tap's tools panel: the most failing and the slowest tools, or why calls are not seen. */
  function toolsBlock(t: ToolsView | undefined, width: number): ReactElement[] {
    const note = t?.note ?? 'no tap connected — calls are not seen';
    const out = [h(Text, { key: 'tn', wrap: 'truncate', color: t?.seen ? 'white' : 'yellow' }, clip(note, width))];
    for (const [key, title, rows] of [['tf', 'most failing', t?.failing ?? []], ['ts', 'slowest', t?.slowest ?? []]] as const) {
      if (rows.length === 0) continue;
      out.push(h(Text, { key, bold: true }, `${title}:`));
      rows.forEach((r, i) => out.push(h(Text, { key: `${key}${i}`, wrap: 'truncate', color: key === 'tf' ? 'red' : 'white' }, `  ${toolLineText(r, width - 2)}`)));
    }
    return out;
  }

  function hubBlock(v: HubView, width: number, selected: string | undefined): ReactElement {
    const spark = Math.max(8, Math.min(40, width - 60));
    // CPU as `measure` reports it: the hub process and its servers apart, over the time since the last refresh.
    const cpu = v.cpu ? `CPU hub ${v.cpu.hubPercent.toFixed(1)} %  servers ${v.cpu.serversPercent.toFixed(1)} %` : 'CPU measuring…';
    const proc = v.rssBytes !== undefined
      ? `${cpu}  RSS ${formatBytes(v.rssBytes)} ${sparkline(v.rssHistory, spark)}`
      : 'process: not visible from here';
    return h(Box, { key: v.url, flexDirection: 'column', borderStyle: 'round', borderColor: LEVEL_COLOR[v.level] ?? 'white', paddingX: 1 },
      h(Text, { wrap: 'truncate' },
        h(Text, { bold: true }, clip(v.url, Math.max(10, width - 50))), '  ',
        h(Text, { color: v.reachable ? 'white' : 'red' }, v.reachable ? `state ${v.state}` : 'UNREACHABLE'), '  ',
        h(Text, { color: LEVEL_COLOR[v.level] }, `level ${v.level}`),
        v.version ? `  mcp-hub ${v.version}` : '', v.pid ? `  pid ${v.pid}` : ''),
      v.failure ? h(Text, { color: 'red', wrap: 'truncate' }, clip(v.failure, width - 6)) : null,
      h(Text, { wrap: 'truncate' }, `servers ${v.counts.up}/${v.counts.total - v.counts.disabled} up`,
        v.counts.dead ? h(Text, { color: 'red', bold: true }, `  ${v.counts.dead} dead`) : '', v.counts.down ? `  ${v.counts.down} down` : '',
        v.counts.disabled ? `  ${v.counts.disabled} disabled` : '', `   health ${sparkline(v.latencyHistory, spark)}`),
      h(Text, { wrap: 'truncate' }, proc),
      h(Text, { wrap: 'truncate', color: v.llm ? 'white' : 'gray' }, v.llm ? `LLM: ${v.llm.join('  ')}` : 'LLM / cache / queue: not exposed by this hub'),
      ...v.servers.map((s) => serverLine(s, width - 4, selected === `${v.url}\0${s.name}`)),
      ...toolsBlock(v.tools, width - 4),
      v.alerts.length ? h(Text, { bold: true }, 'alerts:') : null,
      ...v.alerts.slice(0, 5).map((a, i) => h(Text, { key: `a${i}`, color: a.severity === 'critical' ? 'red' : 'yellow', wrap: 'truncate' }, `  ${a.severity.toUpperCase()} ${clip(a.text, width - 30)}  ${alertAge(a.sinceMs)}`)),
      v.events.length ? h(Text, { bold: true }, 'recent events:') : null,
      ...v.events.slice(-6).map((e, i) => h(Text, { key: `e${i}`, wrap: 'truncate', color: 'gray' }, `  ${new Date(e.t).toISOString().slice(11, 19)} ${e.server ? `${e.server}: ` : ''}${e.text}`)),
    );
  }

  function detail(v: HubView | undefined, s: ServerRow | undefined): ReactElement | null {
    if (!v || !s) return null;
    const own = v.events.filter((e) => e.server === s.name).slice(-5);
    return h(Box, { flexDirection: 'column', borderStyle: 'single', paddingX: 1 },
      h(Text, { bold: true }, `${s.name} — ${s.label}`),
      h(Text, { wrap: 'wrap' }, s.reason || 'no problem reported'),
      h(Text, null, `uptime ${s.uptime}  tools ${s.tools}  last started ${s.lastStartedMs ? new Date(s.lastStartedMs).toISOString() : '-'}`),
      ...own.map((e, i) => h(Text, { key: i, color: 'gray', wrap: 'truncate' }, `${new Date(e.t).toISOString().slice(11, 19)} ${e.text}`)));
  }

  /** The fleet table (key f): every hub side by side, the cells that stand out in red, the outliers named. */
  function fleetBlock(f: FleetView): ReactElement {
    return h(Box, { key: 'fleet', flexDirection: 'column', borderStyle: 'round', paddingX: 1 },
      h(Text, { bold: true, wrap: 'truncate' }, f.title),
      f.header ? h(Text, { bold: true, wrap: 'truncate' }, f.header) : null,
      ...f.rows.map((r, i) => h(Text, { key: `f${i}`, wrap: 'truncate' }, h(Text, { color: 'red', bold: true }, `${r.mark} `),
        ...r.cells.map((c, j) => h(Text, { key: j, ...(c.standsOut ? { color: 'red', bold: true, inverse: true } : j === 1 ? { color: LEVEL_COLOR[r.level] } : {}) }, `${j ? '  ' : ''}${c.text}`)))),
      f.note ? h(Text, { wrap: 'truncate', color: f.outliers.length ? 'yellow' : 'white' }, f.note) : null,
      ...f.outliers.map((o, i) => h(Text, { key: `o${i}`, color: 'yellow', wrap: 'truncate' }, `  ${o}`)),
      ...f.notCompared.map((line, i) => h(Text, { key: `n${i}`, color: 'gray', wrap: 'truncate' }, line)));
  }

  const HELP = 'q quit   ↑/↓ select a server   f fleet table (hubs side by side, outliers marked !)   ? help   (refreshes every interval; strings from the hub are shown neutralised)';

  function Dashboard(p: DashboardProps): ReactElement {
    const { exit } = useApp();
    const { stdout } = useStdout();
    const [views, setViews] = useState<HubView[]>([]);
    const [error, setError] = useState<string>();
    const [sel, setSel] = useState(0);
    const [help, setHelp] = useState(false);
    const [fleetOn, setFleetOn] = useState(false);
    const [fleet, setFleet] = useState<FleetSource>();
    const [width, setWidth] = useState(stdout.columns || 80);
    useEffect(() => {
      // The terminal reflows the old frame on resize, so ink's "erase the previous N lines" no longer
      // matches what is on screen: clear it, then draw at the new width.
      const onResize = () => { stdout.write('\x1b[2J\x1b[3J\x1b[H'); setWidth(stdout.columns || 80); };
      stdout.on('resize', onResize);
      return () => { stdout.off('resize', onResize); };
    }, [stdout]);
    useEffect(() => {
      let live = true;
      const tick = () => {
        p.load().then((v) => { if (live) { setViews(v); setError(undefined); } }, (e: unknown) => { if (live) setError(String(e)); });
        p.loadFleet?.().then((f) => { if (live) setFleet(f); }, (e: unknown) => { if (live) setFleet({ unavailable: `could not read the fleet: ${String(e)}` }); });
      };
      tick();
      const t = setInterval(tick, p.intervalMs);
      return () => { live = false; clearInterval(t); };
    }, [p]);
    const rows = views.flatMap((v) => v.servers.map((s) => ({ v, s })));
    useInput((input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c')) exit();
      else if (input === '?') setHelp((x) => !x);
      else if (input === 'f') setFleetOn((x) => !x);
      else if (key.upArrow) setSel((i) => Math.max(0, i - 1));
      else if (key.downArrow) setSel((i) => Math.min(Math.max(0, rows.length - 1), i + 1));
    });
    const cur = rows[Math.min(sel, rows.length - 1)];
    return h(Box, { flexDirection: 'column', width },
      h(Text, { wrap: 'truncate' }, h(Text, { bold: true }, 'mcp-hub-monitor dashboard'), `  ${new Date().toISOString().slice(0, 19)}Z  ${p.source}  every ${humanDuration(p.intervalMs)}  f fleet  ? help  q quit`),
      help ? h(Text, { color: 'cyan', wrap: 'wrap' }, HELP) : null,
      error ? h(Text, { color: 'red', wrap: 'truncate' }, error) : null,
      fleetOn ? fleetBlock(fleetScreen(p.loadFleet ? fleet : { unavailable: 'not available here' }, width - 4)) : null,
      !fleetOn && views.length === 0 ? h(Text, null, 'polling…') : null,
      ...(fleetOn ? [] : views.map((v) => hubBlock(v, width, cur ? `${cur.v.url}\0${cur.s.name}` : undefined))),
      fleetOn ? null : detail(cur?.v, cur?.s));
  }
  return Dashboard;
}
