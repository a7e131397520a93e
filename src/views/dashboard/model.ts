/**
 * The terminal dashboard's data, pure: from one poll of each hub (plus the one before, for dead-server
 * detection), process facts, the daemon's history or live SSE events, and open alerts, build what the
 * screen shows. Every hub string is neutralised here, so the renderer can print it as it is.
 */
import type { MonitorConfig } from '../../config/defaults.js';
import { buildResult, evaluateHub } from '../../evaluate/check.js';
import type { Level } from '../../evaluate/types.js';
import type { StoredEvent } from '../../model/events.js';
import type { HubSnapshot } from '../../model/hub.js';
import type { SseObservation } from '../../sources/sse-types.js';
import { sanitizeTerminal } from '../sanitize.js';

export interface ServerRow {
  name: string;
  /** up, dead, down, disabled, connecting, unconfirmed, unknown. */
  verdict: string;
  /** What the screen says: connected / DEAD (hub says connected) / disconnected / disabled … */
  label: string;
  uptimeS?: number;
  /** What the uptime column says: `10s`, `2m 5s`; `—` when the server is not running (a dead one's 0 is no uptime). */
  uptime: string;
  tools: number;
  /** Why it is not up (the hub's error, our verdict's reason), short. */
  reason: string;
  lastStartedMs?: number | null;
}

export interface EventLine {
  t: number;
  text: string;
  server?: string;
}

export interface AlertLine {
  severity: string;
  text: string;
  sinceMs: number;
}

export interface HubView {
  url: string;
  reachable: boolean;
  state: string;
  level: Level;
  version: string;
  pid: number | null;
  failure?: string;
  servers: ServerRow[];
  counts: { total: number; up: number; dead: number; down: number; disabled: number };
  /** CPU % of the hub process and of its descendants (the servers) since the previous refresh; absent on the first. */
  cpu?: { hubPercent: number; serversPercent: number };
  rssBytes?: number;
  /** Oldest first. */
  rssHistory: number[];
  latencyHistory: number[];
  /** "success 98.1 %", … or undefined when the hub exposes no LLM metrics. */
  llm?: string[];
  alerts: AlertLine[];
  events: EventLine[];
  /** The tap's tools panel (tools-model.ts); absent when nothing was looked up (then the screen says not seen). */
  tools?: ToolsView;
}

/** A tool in the tools panel, neutralised (tools-model.ts builds it from the daemon's calls window). */
export interface ToolLine { name: string; calls: number; success: string; p95: string; topError: string }

export interface ToolsView {
  /** Whether the lists are the tap's current window (false: `note` says why nothing is shown). */
  seen: boolean;
  note: string;
  failing: ToolLine[];
  slowest: ToolLine[];
}

export interface HubExtras {
  process?: { cpu?: { hubPercent: number; serversPercent: number }; rssBytes: number };
  rssHistory: number[];
  latencyHistory: number[];
  alerts: AlertLine[];
  events: EventLine[];
  tools?: ToolsView;
}

const clean = (s: unknown, max = 200): string => sanitizeTerminal(String(s ?? ''), max);

const LABELS: Record<string, string> = {
  up: 'connected', unconfirmed: 'connected (uptime 0)', dead: 'DEAD (hub says connected)', down: 'disconnected',
  disabled: 'disabled', connecting: 'connecting', unknown: 'unknown',
};

function llmLines(s: HubSnapshot): string[] | undefined {
  const m = s.metrics;
  if (!m.sources.length) return undefined;
  const out: string[] = [];
  const rate = m.requestsTotal ? (100 * (m.requestsSuccess ?? 0)) / m.requestsTotal : m.successRate !== undefined ? 100 * m.successRate : undefined;
  if (rate !== undefined) out.push(`success ${rate.toFixed(1)} %`);
  if (m.p95LatencyMs !== undefined) out.push(`p95 ${Math.round(m.p95LatencyMs)} ms`);
  const lookups = (m.cacheHits ?? 0) + (m.cacheMisses ?? 0);
  const hit = lookups ? (100 * (m.cacheHits ?? 0)) / lookups : m.cacheHitRate !== undefined ? 100 * m.cacheHitRate : undefined;
  if (hit !== undefined) out.push(`cache hit ${hit.toFixed(1)} %`);
  if (m.queueDepth !== undefined) out.push(`queue ${m.queueDepth}`);
  if (m.circuitBreakerState) out.push(`breaker ${clean(m.circuitBreakerState, 20)}`);
  return out.length ? out : ['exposed, no requests yet'];
}

/** One hub's view from its latest poll (and the previous one) plus what else we know about it. */
export function hubView(s: HubSnapshot, earlier: HubSnapshot | undefined, extras: HubExtras, cfg: MonitorConfig): HubView {
  const findings = evaluateHub(s, earlier, cfg);
  const summary = buildResult([{ snapshot: s, findings }], cfg, s.at).hubs[0]!;
  const verdicts = new Map(findings.filter((f) => f.id === 'server.status').map((f) => [f.subject, f]));
  const servers: ServerRow[] = s.health.ok ? s.health.value.servers.map((srv) => {
    const f = verdicts.get(srv.name);
    const verdict = String(f?.value ?? 'unknown');
    const reason = verdict === 'up' || verdict === 'disabled' ? '' : clean(srv.error ?? f?.message ?? '', 160);
    return { name: clean(srv.name, 64), verdict, label: LABELS[verdict] ?? verdict, uptimeS: srv.uptimeS, uptime: uptimeText(verdict, srv.uptimeS), tools: srv.toolCount, reason, lastStartedMs: srv.lastStartedMs };
  }) : [];
  return {
    url: clean(s.target.url, 120),
    reachable: summary.reachable && s.health.ok,
    state: clean(summary.state ?? (s.health.ok ? 'unknown' : 'unreachable'), 30),
    level: summary.level,
    version: clean(summary.version ?? '', 30),
    pid: summary.pid,
    ...(s.health.ok ? {} : { failure: clean(s.health.message, 200) }),
    servers,
    counts: { total: servers.length, up: summary.servers.up, dead: summary.servers.dead, down: summary.servers.down, disabled: summary.servers.disabled },
    ...(extras.process ? { rssBytes: extras.process.rssBytes, ...(extras.process.cpu ? { cpu: extras.process.cpu } : {}) } : {}),
    rssHistory: extras.rssHistory,
    latencyHistory: extras.latencyHistory,
    llm: llmLines(s),
    alerts: extras.alerts.map((a) => ({ ...a, text: clean(a.text, 200) })),
    events: extras.events.map((e) => ({ ...e, text: clean(e.text, 200), ...(e.server !== undefined ? { server: clean(e.server, 64) } : {}) })),
    ...(extras.tools ? { tools: extras.tools } : {}),
  };
}

/**
 * A duration the way the dashboard writes every one: whole units, the two largest — `0s`, `9s`, `2m 5s`,
 * `3h 12m`, `2d 4h` (never `9.5s` beside `10s`, nor `0ms`).
 */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 1000) return '0s';
  const units: [string, number][] = [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]];
  let rest = Math.floor(ms / 1000);
  const parts: string[] = [];
  for (const [u, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${u}`);
    if (parts.length === 2) break;
  }
  return parts.filter((p, i) => i === 0 || !p.startsWith('0')).join(' ');
}

/** A server's uptime: only a running server has one (the hub reports 0 for a dead or stopped one). */
export function uptimeText(verdict: string, uptimeS: number | undefined): string {
  const running = verdict === 'up' || verdict === 'unconfirmed';
  return running && uptimeS !== undefined ? humanDuration(uptimeS * 1000) : '—';
}

/** How long an alert has fired: `firing for 9s`. */
export const alertAge = (sinceMs: number): string => `firing for ${humanDuration(sinceMs)}`;

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of the last `width` values (min→▁, max→█); empty when there is nothing to draw. */
export function sparkline(values: readonly number[], width: number): string {
  const xs = values.filter((v) => Number.isFinite(v)).slice(-Math.max(0, width));
  if (xs.length === 0) return '';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return xs.map((v) => BARS[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))]).join('');
}

/** Text of a stored event, one line. */
export function eventText(e: StoredEvent): string {
  switch (e.type) {
    case 'server_status': return e.data.from === null ? `status ${e.data.to}` : `status ${e.data.from} → ${e.data.to}`;
    case 'server_dead': return 'dead while the hub says connected';
    case 'hub_state': return `hub ${e.data.state ?? '?'}`;
    case 'tool_list_changed': return 'added' in e.data ? `tools changed +${e.data.added.length} -${e.data.removed.length}` : 'tools changed';
    case 'log': return `${e.data.level}: ${e.data.message}`;
    case 'alert_firing': return `ALERT ${e.data.severity} ${e.data.summary}`;
    case 'alert_resolved': return `resolved ${e.data.summary}`;
    case 'probe_disagreement': return `probe: ${e.data.outcome} while the hub says connected`;
    case 'remediation': return `remediation ${e.data.action} ${e.data.target}: ${e.data.result}${e.data.detail ? ` (${e.data.detail})` : ''}`;
    case 'unknown': return e.storedType;
    default: return e.type;
  }
}

/** A line for what the SSE stream says live (the dashboard without a daemon's store). */
export function liveEventLine(o: SseObservation): EventLine | undefined {
  let text: string | undefined;
  let server: string | undefined;
  if (o.kind === 'hub_state') text = `hub ${o.state}`;
  else if (o.kind === 'subscription') {
    text = o.type;
    server = o.server ?? (typeof o.payload.server === 'string' ? o.payload.server : undefined);
  } else if (o.kind === 'log') {
    if (o.level !== 'debug' || /transport closed/.test(o.message)) text = o.level !== 'debug' ? `${o.level}: ${o.message}` : o.message;
    server = o.server;
  }
  return text === undefined ? undefined : { t: o.at, text, ...(server ? { server } : {}) };
}
