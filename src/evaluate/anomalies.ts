/**
 * `anomalies` as a pure function (replaces detect-anomalies.sh): error spikes, flapping, resources, server
 * disconnections (dead-while-connected included), log growth, log floods, and a robust outlier test on
 * every sampled series. Inputs are what a live window (or, later, the history store) observed.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { formatBytes } from '../config/bytes.js';
import type { LogWindowFacts, WindowObservations } from '../model/anomaly-window.js';
import type { HubSnapshot } from '../model/hub.js';
import { hubIdentity } from './hub.js';
import { evaluateServers, type ServerSample } from './servers.js';
import { historyPollsFinding, type HistoryFacts } from './history.js';
import { finding, type Finding } from './types.js';

/** A window's observations, with the history store's last hour when the daemon keeps one. */
export interface AnomalyInputs extends WindowObservations {
  history?: HistoryFacts;
}

/** Median and MAD-based robust z-score of the last value against the others; undefined if not computable. */
export function robustZ(values: readonly number[]): { z: number; median: number; mad: number } | undefined {
  if (values.length < 5) return undefined;
  const history = values.slice(0, -1);
  const last = values[values.length - 1] as number;
  const sorted = [...history].sort((a, b) => a - b);
  const mid = (xs: number[]) => (xs.length % 2 ? xs[xs.length >> 1]! : (xs[xs.length / 2 - 1]! + xs[xs.length / 2]!) / 2);
  const median = mid(sorted);
  const mad = mid(history.map((v) => Math.abs(v - median)).sort((a, b) => a - b));
  if (mad === 0) return undefined;
  return { z: (last - median) / (1.4826 * mad), median, mad };
}

/**
 * Counts up → not-up → up cycles per server across polls; uptime going backwards while up counts too. A
 * first connect (never up before) is not a cycle.
 */
export function cyclesInPolls(polls: readonly HubSnapshot[]): Map<string, number> {
  const cycles = new Map<string, number>();
  const last = new Map<string, { up: boolean; wentDown: boolean; uptime?: number }>();
  for (const p of polls) {
    if (!p.health.ok) continue;
    for (const s of p.health.value.servers) {
      const up = s.status === 'connected' && (s.uptimeS ?? 0) > 0;
      const prev = last.get(s.name);
      let wentDown = prev?.wentDown ?? false;
      if (prev?.up && !up) wentDown = true;
      const backwards = prev?.up && up && prev.uptime !== undefined && s.uptimeS !== undefined && s.uptimeS < prev.uptime;
      if ((up && wentDown) || backwards) {
        cycles.set(s.name, (cycles.get(s.name) ?? 0) + 1);
        wentDown = false;
      }
      last.set(s.name, { up, wentDown, uptime: s.uptimeS });
    }
  }
  return cycles;
}

function logFindings(hub: string, log: LogWindowFacts, cfg: MonitorConfig['anomalies'], now: number): Finding[] {
  const out: Finding[] = [];
  const spike = cfg.error_spike;
  const minutes = Math.round(spike.within / 60_000);
  const timed = log.timedErrors.filter((t) => now - t <= spike.within).length;
  if (log.timedErrors.length > 0 || log.untimedErrorsInFile === 0) {
    out.push(finding(hub, 'anomaly.error_spike', timed > spike.errors ? 'warning' : 'ok',
      `${timed} error lines in the last ${minutes} min (threshold ${spike.errors})`, { value: timed, threshold: spike.errors }));
  } else {
    // The upstream text log has no timestamps: what was written during the window is timed when read,
    // and the whole file covers the time since the hub started (it is truncated at every start).
    const sinceStart = log.fileStartMs !== undefined ? now - log.fileStartMs : undefined;
    const fileCovers = sinceStart !== undefined && sinceStart <= spike.within;
    const count = fileCovers ? log.untimedErrorsInFile : log.untimedErrorsInWindow;
    const basis = fileCovers ? `since the hub started ${Math.round((sinceStart ?? 0) / 1000)}s ago` : `during the ${Math.round(log.windowMs / 1000)}s window (the text log has no timestamps)`;
    const threshold = fileCovers ? spike.errors : Math.max(3, Math.ceil((spike.errors * log.windowMs) / spike.within));
    out.push(finding(hub, 'anomaly.error_spike', count > threshold ? 'warning' : 'ok', `${count} error lines ${basis} (threshold ${threshold})`, { value: count, threshold }));
  }
  const size = log.sizeBytes;
  if (size === undefined) out.push(finding(hub, 'anomaly.log_growth', 'no_data', `${log.path}: a command's output has no size`));
  else {
    out.push(finding(hub, 'anomaly.log_growth', size > cfg.log_size ? 'warning' : 'ok',
      `${log.path} is ${formatBytes(size)}${size > cfg.log_size ? ' — the hub never rotates it' : ''}`, { value: size, threshold: cfg.log_size }));
  }
  const rate = log.windowMs > 0 ? (log.windowLines * 1000) / log.windowMs : 0;
  const dupRatio = log.topWindowMessage && log.windowLines ? log.topWindowMessage.count / log.windowLines : 0;
  const flooding = rate > cfg.log_flood.lines_per_second && dupRatio > cfg.log_flood.duplicate_ratio;
  const past = log.topFileMessage && log.topFileMessage.count >= 1_000 ? log.topFileMessage : undefined;
  const msg = flooding
    ? `log flood now: ${Math.round(rate)} lines/s, ${Math.round(dupRatio * 100)}% the same message: ${JSON.stringify(log.topWindowMessage!.message.slice(0, 120))}`
    : past ? `a log flood happened: ${past.count} identical lines ${JSON.stringify(past.message.slice(0, 120))} (one MCP client disconnect makes ~2,168: hub-api.md §4)`
    : `${Math.round(rate * 10) / 10} lines/s during the window`;
  out.push(finding(hub, 'anomaly.log_flood', flooding || past ? 'warning' : 'ok', msg, { value: Math.round(rate), threshold: cfg.log_flood.lines_per_second }));
  return out;
}

/** Findings for one hub over the window. */
export function evaluateAnomalies(i: AnomalyInputs, cfg: MonitorConfig, now: number): Finding[] {
  const a = cfg.anomalies;
  const lastPoll = i.polls[i.polls.length - 1];
  const hub = lastPoll?.target.url ?? 'unknown';
  const out: Finding[] = [];
  const ok = i.polls.filter((p) => p.health.ok);
  if (!lastPoll) return [finding(hub, 'anomaly.window', 'no_data', 'no poll was made')];
  const failed = i.polls.length - ok.length;
  out.push(finding(hub, 'anomaly.availability', failed === 0 ? 'ok' : failed === i.polls.length ? 'critical' : 'warning',
    `${ok.length} of ${i.polls.length} health polls answered during the window`, { value: ok.length }));
  // Something that is not a hub answered: its process, log and latencies are not a hub's to judge.
  const impostor = ok.map(hubIdentity).find((f) => f !== undefined);
  if (impostor) return [...out, impostor];

  // Disconnections, dead-while-connected included: judge the last answered poll against the first.
  const lastOk = ok[ok.length - 1];
  if (lastOk && lastOk.health.ok) {
    const first = ok[0]!;
    const at = (s: HubSnapshot) => (s.health.ok ? s.health.value.timestampMs ?? s.at : s.at);
    const earlier = new Map<string, ServerSample>();
    if (first !== lastOk && first.health.ok) for (const server of first.health.value.servers) earlier.set(server.name, { server, atMs: at(first) });
    const servers = evaluateServers(hub, lastOk.health.value.servers.map((server) => ({ server, atMs: at(lastOk) })), earlier, cfg.check);
    for (const f of servers) out.push({ ...f, id: f.id === 'servers.down' ? 'anomaly.disconnections' : f.id });
  }

  // Flapping: cycles seen during the window, reconnects the log recorded, and the daemon's history.
  const cycles = cyclesInPolls(i.polls);
  for (const [name, connects] of i.log?.connectsByServer ?? []) cycles.set(name, Math.max(cycles.get(name) ?? 0, connects - 1));
  for (const [name, n] of i.history?.reconnectsByServer ?? []) cycles.set(name, Math.max(cycles.get(name) ?? 0, n));
  if (i.history) out.push(historyPollsFinding(hub, i.history, 'anomaly.history'));
  const flapping = [...cycles].filter(([, n]) => n > a.flapping_cycles);
  out.push(finding(hub, 'anomaly.flapping', flapping.length ? 'warning' : 'ok', flapping.length
    ? `flapping: ${flapping.map(([n, c]) => `${n} (${c} reconnects)`).join(', ')}`
    : `no server reconnected more than ${a.flapping_cycles} times`, { value: flapping.length, threshold: a.flapping_cycles }));

  if (i.process) {
    const p = i.process;
    const top = p.topChild ? `; busiest child ${p.topChild.command} at ${p.topChild.cpuPercent.toFixed(0)}%` : '';
    out.push(finding(hub, 'anomaly.cpu', p.cpuPercent > a.cpu_percent ? 'warning' : 'ok',
      `hub and ${p.childCount} children use ${p.cpuPercent.toFixed(1)}% CPU${top}`, { value: Number(p.cpuPercent.toFixed(1)), threshold: a.cpu_percent }));
    const status = p.rssBytes > a.rss.critical ? 'critical' : p.rssBytes > a.rss.warning ? 'warning' : 'ok';
    out.push(finding(hub, 'anomaly.memory', status, `hub RSS ${formatBytes(p.rssBytes)} (children ${formatBytes(p.childrenRssBytes)})`, {
      value: p.rssBytes, threshold: status === 'critical' ? a.rss.critical : a.rss.warning,
    }));
  } else out.push(finding(hub, 'anomaly.cpu', 'no_data', i.processUnavailable ?? 'hub process not found'));

  if (i.log) out.push(...logFindings(hub, i.log, a, now));
  else out.push(finding(hub, 'anomaly.log_flood', 'no_data', i.logUnavailable ?? 'no hub log found'));

  // A robust outlier test on the latency series: the last value against the window's median and MAD.
  // With history, the window's latencies are judged against the last hour, not only against each other.
  const latency = [...(i.history?.latencyMs ?? []), ...ok.map((p) => (p.health.ok ? p.health.latencyMs : 0))];
  const z = robustZ(latency);
  if (!z) out.push(finding(hub, 'anomaly.outlier', 'no_data', `health latency: too few samples or no variation to judge (${latency.length} samples)`));
  else {
    const outlier = Math.abs(z.z) > a.outlier_sigmas;
    out.push(finding(hub, 'anomaly.outlier', outlier ? 'warning' : 'ok',
      `health latency ${latency[latency.length - 1]!.toFixed(1)} ms vs median ${z.median.toFixed(1)} ms (${z.z.toFixed(1)} robust σ; limit ${a.outlier_sigmas})`,
      { value: Number(z.z.toFixed(2)), threshold: a.outlier_sigmas }));
  }
  return out;
}
