/**
 * A DaemonView over a real temp Store and a read model, for the HTTP server's tests: seed polls, probes and
 * alerts in the shapes the daemon writes them (daemon/observations.ts, daemon/prober.ts), then read them
 * through the server. Rows go to both, as the daemon's write buffer sends them (`record`). Hubs, the clock and the daemon's health are plain fields the test sets.
 */
import { defaultConfig, type MonitorConfig } from '../../src/config/defaults.js';
import { LiveState, type LiveView } from '../../src/daemon/live-state.js';
import type { EventRow, SampleRow } from '../../src/daemon/observations.js';
import { AlertStore, type AlertRow } from '../../src/store/alert-store.js';
import type { Store } from '../../src/store/store.js';
import type { DaemonHealthView, DaemonView, HubStatusView } from '../../src/views/http/view.js';
import { useTempStores } from './temp-store.js';

/** A server in a seeded poll; `up: undefined` is a disabled server (no server.up sample, as the daemon does). */
export interface SeedServer {
  name: string;
  up?: boolean;
  /** The verdict the collector would settle on; an event is stored when it changes (default up/down from `up`). */
  verdict?: string;
  uptimeS?: number;
  tools?: number;
}

/** One seeded poll of a hub. */
export interface SeedPoll {
  /** false (or `err`) stores a failed poll: hub.up 0 with that error class, and nothing else. */
  ok?: boolean;
  err?: string;
  state?: string;
  latencyMs?: number;
  rssBytes?: number;
  cpuPercent?: number;
  servers?: SeedServer[];
}

/** The fake view plus its seeding helpers. */
export class FakeDaemonView implements DaemonView {
  hubList: HubStatusView[] = [];
  nowMs: number;
  cfg: MonitorConfig = defaultConfig();
  health: DaemonHealthView;
  alertsEnabled = true;
  readonly alertStore: AlertStore;
  /** The read model, fed every row `record` stores, as the daemon's write buffer feeds it. */
  readonly liveState = new LiveState();
  private readonly lastState = new Map<string, string>();
  private readonly lastVerdict = new Map<string, string>();

  constructor(readonly db: Store, now = Date.parse('2026-11-25T12:00:00Z')) {
    this.nowMs = now;
    this.alertStore = new AlertStore(db.db);
    this.liveState.openAlerts = () => (this.alertsEnabled ? this.alertStore.openAlerts() : []);
    this.health = {
      startedAt: now - 3_600_000, cleanStart: true, runId: 1, outboxDepth: 0, droppedSamples: 0, notifications: {}, configReload: { ok: true, lastSuccessAt: now - 3_600_000 },
      store: { writeFailures: 0, lastWriteAt: now - 1_000, failing: false, pendingRows: 0, droppedEvents: 0, pendingAlerting: 0 },
    };
  }

  hubs(): HubStatusView[] { return this.hubList; }
  live(): LiveView { return this.liveState; }
  store(): Store { return this.db; }
  alerts(): AlertStore | undefined { return this.alertsEnabled ? this.alertStore : undefined; }
  daemon(): DaemonHealthView { return this.health; }
  config(): MonitorConfig { return this.cfg; }
  now(): number { return this.nowMs; }

  /** Adds (or updates) a watched hub. */
  watch(url: string, status: Omit<HubStatusView, 'url'> = {}): this {
    this.hubList = [...this.hubList.filter((h) => h.url !== url), { url, ...status }];
    return this;
  }

  /** Stores one poll at `t` as the collector would, and marks the hub polled then. */
  poll(hub: string, t: number, p: SeedPoll = {}): this {
    const samples: SampleRow[] = [];
    const events: EventRow[] = [];
    const ok = p.ok !== false && p.err === undefined;
    const prevStatus = this.hubList.find((h) => h.url === hub);
    this.watch(hub, { ...prevStatus, lastPollAt: t, lastPollOk: ok });
    if (!ok) return this.record([{ hub, name: 'hub.up', t, v: 0, err: p.err ?? 'refused' }]);
    const state = p.state ?? 'ready';
    samples.push({ hub, name: 'hub.up', t, v: state === 'ready' || state === 'restarted' ? 1 : 0 });
    samples.push({ hub, name: 'hub.health_latency_ms', t, v: p.latencyMs ?? 3 });
    samples.push({ hub, name: 'hub.health_fast', t, v: (p.latencyMs ?? 3) <= this.cfg.slo.latency_threshold ? 1 : 0 });
    if (p.rssBytes !== undefined) samples.push({ hub, name: 'hub.rss_bytes', t, v: p.rssBytes });
    if (p.cpuPercent !== undefined) samples.push({ hub, name: 'hub.cpu_percent', t, v: p.cpuPercent });
    if (this.lastState.get(hub) !== state) events.push({ hub, t, type: 'hub_state', data: { state, source: 'poll', pid: null } });
    this.lastState.set(hub, state);
    for (const s of p.servers ?? []) {
      const labels = { server: s.name };
      if (s.up !== undefined) samples.push({ hub, name: 'server.up', labels, t, v: s.up ? 1 : 0 });
      if (s.uptimeS !== undefined) samples.push({ hub, name: 'server.uptime_s', labels, t, v: s.uptimeS });
      samples.push({ hub, name: 'server.tools', labels, t, v: s.tools ?? 0 });
      const verdict = s.verdict ?? (s.up === undefined ? 'disabled' : s.up ? 'up' : 'down');
      const key = `${hub}\u0000${s.name}`;
      if (this.lastVerdict.get(key) !== verdict) {
        events.push({ hub, t, type: verdict === 'dead' ? 'server_dead' : 'server_status', server: s.name, data: { from: this.lastVerdict.get(key) ?? null, to: verdict, message: '' } });
      }
      this.lastVerdict.set(key, verdict);
    }
    return this.record(samples, events);
  }

  /** Stores rows and shows them to the read model, as the daemon's write buffer does. */
  record(samples: SampleRow[], events: EventRow[] = []): this {
    this.liveState.observe(samples, events);
    this.db.insertSamples(samples);
    this.db.insertEvents(events);
    return this;
  }

  /** Stores one probe result: ok true answered in `latencyMs`, false dead/hung, null not asked. */
  probe(hub: string, t: number, server: string, ok: boolean | null, latencyMs = 5): this {
    const labels = { server };
    return this.record(ok === true
      ? [{ hub, name: 'server.probe_ok', labels, t, v: 1 }, { hub, name: 'server.probe_latency_ms', labels, t, v: latencyMs }]
      : [{ hub, name: 'server.probe_ok', labels, t, v: ok === false ? 0 : null, err: 'dead' }]);
  }

  /** Stores an alert row (firing by default) and returns its id. */
  alert(a: Partial<AlertRow> & Pick<AlertRow, 'rule' | 'hub'>): number {
    const t = this.nowMs;
    return this.alertStore.saveAlert({
      id: 0, fingerprint: `${a.rule}|${a.hub}|${JSON.stringify(a.labels ?? {})}|${Math.random()}`, labels: { hub: a.hub }, severity: 'critical', state: 'firing',
      failStreak: 3, okStreak: 0, activeSince: t - 60_000, firedAt: t - 30_000, lastActiveAt: t, resolvedAt: null, summary: `${a.rule} failing`,
      value: null, ackedAt: null, ackedBy: null, ackComment: null, updatedAt: t, ...a,
    });
  }
}

/** Registers cleanup (after each test) and returns a factory of fake views, each on a fresh temp store. */
export function useFakeDaemonViews(prefix = 'mhm-http-'): (now?: number) => FakeDaemonView {
  const stores = useTempStores(prefix);
  return (now) => new FakeDaemonView(stores(), now);
}

/** A response as the tests read it. */
export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request with node:http (not fetch, which refuses to set Host): `host` defaults to the server's own
 * address; `headers` can set or (with undefined) drop anything.
 */
export async function httpRequest(
  url: string, path: string, o: { method?: string; headers?: Record<string, string | undefined>; body?: string } = {},
): Promise<TestResponse> {
  const u = new URL(url);
  const headers: Record<string, string> = { host: u.host };
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: o.method ?? 'GET', headers, agent: false, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${o.method ?? 'GET'} ${path}: no answer in 10 s`)));
    req.end(o.body);
  });
}
