/**
 * `validate` as a pure function: the comprehensive weekly validation of the seed guide (process, port,
 * API, servers against their config, config integrity, disk, the fork's LLM cache, logs, stale registry
 * entries, network exposure), from facts gathered by the command.
 */
import { basename } from 'node:path';
import type { MonitorConfig } from '../config/defaults.js';
import { formatBytes } from '../config/bytes.js';
import type { HubSnapshot } from '../model/hub.js';
import type { HubConfigFile } from '../model/hub-config.js';
import { evaluateHub } from './check.js';
import { finding, type Finding } from './types.js';

export interface PidFacts {
  pid?: number;
  via: string;
  alive: boolean;
  ownsPort?: boolean;
  note?: string;
}

export interface PortFacts {
  listening: boolean;
  pids: number[];
  addresses: string[];
  exposedBeyondLoopback: boolean;
}

export type DiskFacts = { label: string; path: string; availRatio?: number; availBytes?: number; networkFs?: boolean; error?: string };

export interface ValidateInputs {
  snapshot: HubSnapshot;
  /** Undefined where /proc is not available. */
  pid?: PidFacts;
  port?: PortFacts;
  /** Undefined when the hub's config files are unknown (no workspaces.json entry for it). */
  configs?: HubConfigFile[];
  disks: DiskFacts[];
  logDir?: { path: string; bytes?: number; error?: string };
  staleEntries: { port: number; pid: number; file: string }[];
  /** Present only for the fork (it serves /api/filtering/stats). */
  llmCache?: { path: string; present: boolean; parseError?: string; sizeBytes?: number; ageMs?: number };
  /** Why process and port facts are missing (another OS, a remote hub). */
  localFactsUnavailable?: string;
  /** Where this package's loopback preload is installed: the fix hub.exposure names. */
  loopbackPreload?: string;
}

const ago = (ms: number) => (ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : ms < 172_800_000 ? `${Math.round(ms / 3_600_000)} h` : `${Math.round(ms / 86_400_000)} d`);

/** hub.exposure: beyond loopback warns and names the fix, unless the config accepts it with a reason. */
function exposure(hub: string, l: PortFacts, port: string, preload: string | undefined, accepted: string): Finding {
  if (!l.exposedBeyondLoopback) return finding(hub, 'hub.exposure', 'ok', 'listening on loopback only');
  const where = `the hub listens on ${l.addresses.join(', ')} (every interface)`;
  if (accepted !== '') return finding(hub, 'hub.exposure', 'ok', `${where}, accepted (validate.accept_exposure): ${accepted}`, { value: 'accepted' });
  const flag = `--require ${preload ?? '<mcp-hub-monitor>/preload/loopback.cjs'}`;
  return finding(hub, 'hub.exposure', 'warning',
    `${where} with no authentication: anyone who can reach port ${port} can call /api/hard-restart, stop servers and run their tools. `
    + `mcp-hub has no --host option; bind it to 127.0.0.1 with this package's preload: start it as NODE_OPTIONS="${flag}" mcp-hub --port ${port} … `
    + '(README: "Binding mcp-hub to loopback"). If the exposure is intended, say why in the config: validate.accept_exposure: "<reason>"');
}

function processAndPort(hub: string, i: ValidateInputs, port: string, cfg: MonitorConfig): Finding[] {
  const out: Finding[] = [];
  if (i.localFactsUnavailable) {
    out.push(finding(hub, 'hub.process', 'no_data', i.localFactsUnavailable));
    return out;
  }
  const p = i.pid;
  if (p?.pid !== undefined && p.alive) {
    out.push(finding(hub, 'hub.process', 'ok', `hub process running, pid ${p.pid} (found via ${p.via})${p.note ? `; ${p.note}` : ''}`, { value: p.pid }));
  } else {
    out.push(finding(hub, 'hub.process', 'critical', `hub process not running${p?.note ? `: ${p.note}` : ''}`, { value: p?.pid ?? 'none' }));
  }
  const l = i.port;
  if (!l) return out;
  if (!l.listening) out.push(finding(hub, 'hub.port', 'critical', `nothing listens on port ${port}`));
  else if (p?.pid !== undefined && l.pids.length && !l.pids.includes(p.pid)) {
    out.push(finding(hub, 'hub.port', 'critical', `port ${port} is owned by pid ${l.pids.join(', ')}, not by the hub process ${p.pid}`));
  } else {
    const owner = l.pids.length ? ` by pid ${l.pids.join(', ')}` : ' (owner not visible to this user)';
    out.push(finding(hub, 'hub.port', 'ok', `port ${port} listening on ${l.addresses.join(', ')}${owner}`));
  }
  if (l.listening) out.push(exposure(hub, l, port, i.loopbackPreload, cfg.validate.accept_exposure));
  return out;
}

function configFindings(hub: string, i: ValidateInputs): Finding[] {
  const out: Finding[] = [];
  if (!i.configs) {
    out.push(finding(hub, 'config.files', 'no_data', 'the hub\'s config files are unknown (no workspaces.json entry for this hub)'));
    return out;
  }
  const configured = new Map<string, { file: string; disabled: boolean }>();
  for (const f of i.configs) {
    if (f.error) {
      const sev = f.error.startsWith('file not found') ? 'warning' : 'critical';
      out.push(finding(hub, 'config.parse', sev, `${f.path}: ${f.error}${sev === 'critical' ? ' — the hub will fail at its next start (and exit 0)' : ''}`, { subject: basename(f.path) }));
      continue;
    }
    const refused = f.servers.filter((s) => s.problems.length).length;
    out.push(finding(hub, 'config.parse', refused ? 'critical' : 'ok',
      refused ? `${f.path}: ${refused} of ${f.servers.length} servers would be refused at the next start` : `${f.path}: ${f.servers.length} servers, valid`,
      { subject: basename(f.path) }));
    for (const s of f.servers) {
      configured.set(s.name, { file: f.path, disabled: s.disabled });
      if (s.problems.length) {
        out.push(finding(hub, 'config.server', 'critical', `${s.problems.join('; ')} — the hub refuses the whole config at its next start`, { subject: s.name }));
      }
    }
  }
  // Only a hub that answered can say what it loaded.
  if (!i.snapshot.health.ok) return out;
  const liveNames = new Set(i.snapshot.health.value.servers.map((s) => s.name));
  for (const [name, c] of configured) {
    if (liveNames.has(name)) continue;
    const sev = c.disabled ? 'ok' : 'warning';
    out.push(finding(hub, 'config.missing', sev, c.disabled ? `disabled in ${c.file}, not loaded` : `configured in ${c.file} but not loaded by the hub (edited without --watch? restart the hub)`, { subject: name }));
  }
  for (const name of liveNames) {
    if (!configured.has(name)) out.push(finding(hub, 'config.extra', 'warning', 'running in the hub but in none of its config files (removed without a restart?)', { subject: name }));
  }
  return out;
}

function hostFindings(hub: string, i: ValidateInputs, cfg: MonitorConfig, isHub: boolean): Finding[] {
  const out: Finding[] = [];
  const d = cfg.validate.disk_free_percent;
  for (const disk of i.disks) {
    if (disk.error || disk.availRatio === undefined) {
      out.push(finding(hub, 'disk.free', 'no_data', `${disk.label} ${disk.path}: ${disk.error ?? 'unknown'}`, { subject: disk.label }));
      continue;
    }
    const pct = disk.availRatio * 100;
    const status = pct < d.critical ? 'critical' : pct < d.warning ? 'warning' : 'ok';
    const net = disk.networkFs ? ' (network filesystem)' : '';
    out.push(finding(hub, 'disk.free', status, `${disk.label} ${disk.path}: ${pct.toFixed(1)}% free (${formatBytes(disk.availBytes ?? 0)})${net}`, {
      subject: disk.label, value: Number(pct.toFixed(1)), threshold: status === 'critical' ? d.critical : d.warning,
    }));
  }
  if (i.logDir) {
    if (i.logDir.bytes === undefined) out.push(finding(hub, 'logs.size', 'no_data', `${i.logDir.path}: ${i.logDir.error ?? 'unknown'}`));
    else {
      const over = i.logDir.bytes > cfg.validate.log_dir_warning;
      out.push(finding(hub, 'logs.size', over ? 'warning' : 'ok', `${i.logDir.path}: ${formatBytes(i.logDir.bytes)}${over ? ' — never rotated by the hub; rotate or truncate it' : ''}`, {
        value: i.logDir.bytes, threshold: cfg.validate.log_dir_warning,
      }));
    }
  }
  for (const e of i.staleEntries) {
    out.push(finding(hub, 'workspaces.stale', 'warning', `stale entry for port ${e.port} in ${e.file}: pid ${e.pid} is not running (a killed hub leaves its entry; the hub never cleans it)`, {
      subject: String(e.port), value: e.pid,
    }));
  }
  const c = isHub ? i.llmCache : undefined;
  if (c) {
    if (!c.present) out.push(finding(hub, 'fork.llm_cache', 'ok', `${c.path}: absent (LLM categorisation off, or nothing cached yet)`));
    else if (c.parseError) out.push(finding(hub, 'fork.llm_cache', 'warning', `${c.path}: not parseable (${c.parseError}); the fork will rebuild it`));
    else out.push(finding(hub, 'fork.llm_cache', 'ok', `${c.path}: ${formatBytes(c.sizeBytes ?? 0)}, written ${ago(c.ageMs ?? 0)} ago`));
  }
  return out;
}

/** Findings for one hub. */
export function evaluateValidate(i: ValidateInputs, cfg: MonitorConfig, earlier?: HubSnapshot): Finding[] {
  const hub = i.snapshot.target.url;
  const url = new URL(hub);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const basics = evaluateHub(i.snapshot, earlier, cfg);
  // validate is about structure: LLM thresholds belong to check and anomalies.
  const findings = basics.filter((f) => !f.id.startsWith('llm.') && f.id !== 'hub.process');
  // What answers is not a hub: its process, port, config files and caches are not a hub's to judge.
  const isHub = !basics.some((f) => f.id === 'hub.identity');
  if (isHub) {
    findings.push(...processAndPort(hub, i, port, cfg));
    findings.push(...configFindings(hub, i));
  }
  findings.push(...hostFindings(hub, i, cfg, isHub));
  return findings;
}
