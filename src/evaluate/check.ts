/**
 * `check` as a pure function: snapshots (and optional earlier snapshots of the same hubs, for confirming a
 * suspected dead server) in, findings, per-hub summaries, status and degradation level out.
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { HubSnapshot } from '../model/hub.js';
import { evaluateForkFiltering } from './fork-filtering.js';
import { evaluateHubBasics, isUpState } from './hub.js';
import { degradation, worstLevel, type CallsLevelInput, type LevelVerdict } from './level.js';
import { evaluateLlm } from './llm.js';
import { evaluateServers, type ServerSample } from './servers.js';
import { EXIT_CODES, worstStatus, type Finding, type Level, type OverallStatus } from './types.js';

export interface HubSummary {
  url: string;
  /** The hub answered HTTP at all (a 500 or a malformed body is reachable but failing). */
  reachable: boolean;
  /** Why the health poll failed, when it did: refused, timeout, network, http_status, malformed, too_large. */
  failure: string | null;
  state: string | null;
  version: string | null;
  pid: number | null;
  origin: string;
  status: OverallStatus;
  level: Level;
  /** What the level was judged from: the checks, the calls through the tap (with --expect-daemon), the LLM metrics. */
  levelReason: string;
  servers: { total: number; up: number; down: number; dead: number; disabled: number; connecting: number };
  metricsExposed: string[];
  validationIssues: string[];
}

export interface CheckResult {
  status: OverallStatus;
  exitCode: number;
  level: Level;
  hubs: HubSummary[];
  checks: Finding[];
  timestamp: string;
}

function serverSamples(s: HubSnapshot | undefined): ServerSample[] {
  if (!s || !s.health.ok) return [];
  const at = s.health.value.timestampMs ?? s.at;
  return s.health.value.servers.map((server) => ({ server, atMs: at }));
}

/** Findings for one hub. */
export function evaluateHub(s: HubSnapshot, earlier: HubSnapshot | undefined, cfg: MonitorConfig): Finding[] {
  const findings = evaluateHubBasics(s, cfg.check);
  if (!s.health.ok || findings.some((f) => f.id === 'hub.identity')) return findings;
  const prior = new Map<string, ServerSample>();
  for (const sample of serverSamples(earlier)) prior.set(sample.server.name, sample);
  findings.push(...evaluateServers(s.target.url, serverSamples(s), prior, cfg.check));
  findings.push(...evaluateLlm(s.target.url, s.metrics, cfg.check));
  findings.push(...evaluateForkFiltering(s));
  return findings;
}

/** True when a second poll could change a verdict: a connected server with uptime 0, seen only once. */
export function needsConfirmation(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.id === 'server.status' && (f.value === 'dead' || f.value === 'unconfirmed'));
}

const levelOf = (v: LevelVerdict): { level: Level; levelReason: string } => ({ level: v.level, levelReason: v.reason });

function summarise(s: HubSnapshot, findings: Finding[], cfg: MonitorConfig, calls: CallsLevelInput | undefined): HubSummary {
  const servers = { total: 0, up: 0, down: 0, dead: 0, disabled: 0, connecting: 0 };
  for (const f of findings) {
    if (f.id !== 'server.status') continue;
    servers.total++;
    if (f.value === 'up' || f.value === 'unconfirmed') servers.up++;
    else if (f.value === 'dead') servers.dead++;
    else if (f.value === 'disabled') servers.disabled++;
    else if (f.value === 'connecting') servers.connecting++;
    else servers.down++;
  }
  const h = s.health.ok ? s.health.value : undefined;
  const status = worstStatus(findings);
  return {
    url: s.target.url,
    reachable: s.health.ok || !['refused', 'timeout', 'network', 'bad_url'].includes(s.health.failure),
    failure: s.health.ok ? null : s.health.failure,
    state: h?.state ?? null,
    version: h?.version ?? null,
    pid: h?.pid ?? s.process?.pid ?? null,
    origin: s.target.origin,
    status,
    ...levelOf(degradation(findings, h && isUpState(h.state) ? s.metrics : undefined, cfg.levels, calls, 'checks')),
    servers,
    metricsExposed: [...s.metrics.sources],
    validationIssues: s.health.ok ? s.health.issues.slice(0, 20) : [],
  };
}

/** Evaluates every hub; `earlier` maps hub URL → an earlier snapshot (the confirmation poll). */
export function evaluateCheck(
  snapshots: readonly HubSnapshot[], earlier: ReadonlyMap<string, HubSnapshot>, cfg: MonitorConfig, now: number,
): CheckResult {
  return buildResult(snapshots.map((s) => ({ snapshot: s, findings: evaluateHub(s, earlier.get(s.target.url), cfg) })), cfg, now);
}

/** The shared result shape of check, validate and anomalies (docs/DESIGN.md §4) from per-hub findings. */
export function buildResult(perHub: readonly { snapshot: HubSnapshot; findings: Finding[]; calls?: CallsLevelInput }[], cfg: MonitorConfig, now: number): CheckResult {
  const checks: Finding[] = [];
  const hubs: HubSummary[] = [];
  for (const { snapshot, findings, calls } of perHub) {
    checks.push(...findings);
    hubs.push(summarise(snapshot, findings, cfg, calls));
  }
  const status: OverallStatus = hubs.length === 0 ? 'unknown' : worstStatus(checks);
  return {
    status,
    exitCode: EXIT_CODES[status],
    level: worstLevel(hubs.map((h) => h.level)),
    hubs,
    checks,
    timestamp: new Date(now).toISOString(),
  };
}
