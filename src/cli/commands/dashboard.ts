/**
 * `dashboard`: the terminal view. Polls each hub every `--interval` (5 s), samples its process tree, and
 * shows recent events and alerts — from the daemon's history when a daemon keeps one, else live from the
 * hub's SSE stream (which, like any SSE client, keeps an --auto-shutdown hub alive; `--no-sse` avoids it).
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { historyDbPath } from '../../config/paths.js';
import { formatDuration, parseDuration, DURATION_HINT } from '../../config/duration.js';
import { fleetInputs } from '../../daemon/fleet-inputs.js';
import { evaluateFleet } from '../../evaluate/fleet.js';
import type { FleetSource } from '../../views/dashboard/fleet-model.js';
import { UsageError } from '../../errors.js';
import { pollHub } from '../../sources/hub-client.js';
import type { HubSnapshot, HubTarget } from '../../model/hub.js';
import { locateHubProcess } from '../../sources/hub-process.js';
import { isLoopbackUrl } from '../../sources/proc.js';
import { cpuBetween, readTree, type TreeReading } from '../../sources/process-meter.js';
import type { GlobalOptions } from '../global-options.js';
import { openHubPollSession } from '../hub-poll.js';
import type { CallsWindowDoc } from '../../model/calls-window.js';
import { toolsView } from '../../views/dashboard/tools-model.js';
import { readCallsWindow } from '../calls-status.js';
import { eventText, hubView, liveEventLine, type EventLine, type HubExtras, type HubView } from '../../views/dashboard/model.js';

const HISTORY = 120;
const push = (xs: number[], v: number | undefined) => { if (v !== undefined && Number.isFinite(v)) { xs.push(v); if (xs.length > HISTORY) xs.shift(); } };

interface HubState {
  target: HubTarget;
  prev?: HubSnapshot;
  rss: number[];
  latency: number[];
  events: EventLine[];
  /** The hub's process tree at the last refresh: CPU is taken between refreshes (see process-meter.ts). */
  lastTree?: TreeReading;
}

export async function runDashboard(g: GlobalOptions, opts: { interval?: string; sse?: boolean }): Promise<number> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) throw new UsageError('dashboard needs an interactive terminal; for scripts use `status`, `check --json` or `history`');
  const intervalMs = opts.interval === undefined ? 5_000 : parseDuration(opts.interval);
  if (intervalMs === undefined || intervalMs < 500) throw new UsageError(`--interval: not a duration of at least 500ms (got ${JSON.stringify(opts.interval)}). ${DURATION_HINT}`);
  const session = await openHubPollSession({ ...g, timeoutMs: Math.min(g.timeoutMs ?? 5_000, intervalMs) });
  const cfg = session.config;
  const hubs: HubState[] = session.targets.map((target) => ({ target, rss: [], latency: [], events: [] }));
  const dbPath = historyDbPath(g.stateDir);
  const useStore = existsSync(dbPath);
  const stops: (() => Promise<void> | void)[] = [];
  if (!useStore && opts.sse !== false) {
    const { startSseClient } = await import('../../sources/sse-client.js');
    for (const hub of hubs) {
      const c = startSseClient({
        url: hub.target.url, hub: hub.target.url,
        onObservation: (o) => {
          const line = liveEventLine(o);
          if (line === undefined) return;
          hub.events.push(line);
          if (hub.events.length > 50) hub.events.shift();
        },
      });
      stops.push(() => c.stop());
    }
  }
  const store = useStore ? (await import('../../store/store.js')).Store.open({ stateDir: g.stateDir, readOnly: true, quickCheck: false }) : undefined;
  const alertStore = store ? new (await import('../../store/alert-store.js')).AlertStore(store.db) : undefined;
  const { storeTime } = await import('../../store/store-time.js');
  if (store) stops.push(() => store.close());

  async function extrasFor(hub: HubState, s: HubSnapshot): Promise<HubExtras> {
    let processFacts: HubExtras['process'];
    if (isLoopbackUrl(hub.target.url) && s.health.ok && s.health.value.pid) {
      const { pid } = locateHubProcess(hub.target.url, s.health.value.pid);
      const tree = pid !== undefined ? readTree(pid) : undefined;
      if (tree) {
        const cpu = hub.lastTree ? cpuBetween(hub.lastTree, tree) : undefined;
        processFacts = { rssBytes: tree.rssBytes, ...(cpu ? { cpu: { hubPercent: cpu.hubCpuPercent, serversPercent: cpu.childrenCpuPercent } } : {}) };
      }
      hub.lastTree = tree;
    }
    if (store && alertStore) {
      const now = storeTime(store, Date.now()).now; // the daemon's time line (ahead after a step back, faults F7)
      const values = (name: string) => (store.querySamples({ hub: hub.target.url, name, from: now - 3_600_000, to: now + 1, resolution: 'raw' }) as { v: number | null }[]).flatMap((r) => (r.v === null ? [] : [r.v])).slice(-HISTORY);
      const events = store.queryEvents({ hub: hub.target.url, from: now - 86_400_000, to: now + 1, limit: 30, order: 'desc' }).reverse()
        .map((e) => ({ t: e.t, text: eventText(e), ...(e.server ? { server: e.server } : {}) }));
      // Alerts about the monitor itself (config reload, a broken receiver) carry no hub: shown with the first.
      const mine = (a: { hub: string }) => a.hub === hub.target.url || (a.hub === '' && hub === hubs[0]);
      const alerts = alertStore.openAlerts().filter((a) => mine(a) && a.state === 'firing').map((a) => ({ severity: a.severity, text: a.summary, sinceMs: Math.max(0, now - (a.firedAt ?? now)) }));
      return { process: processFacts, rssHistory: values('hub.rss_bytes'), latencyHistory: values('hub.health_latency_ms'), alerts, events };
    }
    push(hub.rss, processFacts?.rssBytes);
    if (s.health.ok) push(hub.latency, s.health.latencyMs);
    return { process: processFacts, rssHistory: hub.rss, latencyHistory: hub.latency, alerts: [], events: hub.events };
  }

  const load = async (): Promise<HubView[]> => {
    // The daemon's last calls window (written every 5 s while it takes taps): one read per refresh.
    const calls = readCallsWindow(g.stateDir);
    return Promise.all(hubs.map(async (hub) => loadHub(hub, calls)));
  };
  const loadHub = async (hub: HubState, calls: CallsWindowDoc | undefined): Promise<HubView> => {
    const s = await pollHub(hub.target, { deadline: performance.now() + Math.min(intervalMs, cfg.timeout), agent: session.agent });
    const view = hubView(s, hub.prev, { ...(await extrasFor(hub, s)), tools: toolsView(calls, hub.target.url, Date.now()) }, cfg);
    hub.prev = s;
    return view;
  };

  // The fleet table (key f): the hubs on screen over fleet.window of the daemon's history, as status --fleet.
  const fleetWindow = formatDuration(cfg.fleet.window);
  const loadFleet = async (): Promise<FleetSource> => {
    if (!store || !alertStore) return { unavailable: `no daemon history at ${dbPath}: hubs are compared over the daemon's history (start it with: mcp-hub-monitor daemon)` };
    const now = storeTime(store, Date.now()).now;
    const inputs = fleetInputs(store, hubs.map((hub) => hub.target.url), alertStore.openAlerts(), cfg, now);
    return { verdict: evaluateFleet(inputs, cfg.fleet, { windowLabel: fleetWindow }), windowLabel: fleetWindow, minHubs: cfg.fleet.min_hubs };
  };

  // One at a time: a concurrent import() of the same ESM graph trips Node 20's loader.
  const React = await import('react');
  const ink = await importInkLive();
  const { createDashboard } = await import('../../views/dashboard/app.js');
  const Dashboard = createDashboard(ink, React);
  const { render } = ink;
  const { createElement } = React;
  const source = store ? 'history: the daemon\'s store' : opts.sse === false ? 'live polls' : 'live: polls + SSE';
  const app = render(createElement(Dashboard, { load, loadFleet, intervalMs, source }), { exitOnCtrlC: true });
  await app.waitUntilExit();
  for (const s of stops) await s();
  session.close();
  return 0;
}

/**
 * ink decides once, at import, whether it runs "in CI" (env CI or CONTINUOUS_INTEGRATION) and then
 * draws nothing until exit. A dashboard on a terminal is watched by a person whatever the environment
 * says (a shell started from a CI job, tmux inheriting a runner's env), so hide those variables from
 * ink's import when stdout is a TTY and put them back after.
 */
async function importInkLive(): Promise<typeof import('ink')> {
  const keys = ['CI', 'CONTINUOUS_INTEGRATION'] as const;
  const saved = keys.map((k) => [k, process.env[k]] as const);
  if (process.stdout.isTTY) for (const k of keys) delete process.env[k];
  try {
    return await import('ink');
  } finally {
    for (const [k, v] of saved) if (v !== undefined) process.env[k] = v;
  }
}
