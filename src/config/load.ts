/**
 * Loads the YAML config. An absent default file means defaults, without loading yaml or zod (the lean
 * `check` path); an explicit `--config` that does not exist is an error. Every problem becomes a
 * ConfigError naming the file, the key path and the fix.
 */
import { readFileSync } from 'node:fs';
import { DEFAULTS, defaultConfig, type MonitorConfig } from './defaults.js';
import { ConfigError, showValue } from '../errors.js';

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = Object.prototype.hasOwnProperty.call(cur, key) ? (cur as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return cur;
}

function keyPath(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`)).join('') || '(top level)';
}

/** Reads and validates a config file; `explicit` says the user named it (so absence is an error). */
/** Each receiver through the notifier registry's schema (loaded only when receivers are configured). */
async function parseReceivers(file: string, raw: Record<string, unknown>): Promise<MonitorConfig['alerting']['receivers']> {
  const out: MonitorConfig['alerting']['receivers'] = {};
  const names = Object.keys(raw);
  if (names.length === 0) return out;
  const { receiverSchema } = await import('../notify/index.js');
  for (const name of names) {
    const r = receiverSchema.safeParse(raw[name]);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const where = ['alerting', 'receivers', name, ...issue.path.map(String)].join('.');
      const problem = issue.code === 'unrecognized_keys' ? `unknown key ${showValue(issue.keys[0])}` : issue.message.replace(/^Invalid input: /, '');
      throw new ConfigError(file, where, problem, 'See the receivers tables in docs/receivers.md');
    }
    out[name] = r.data as MonitorConfig['alerting']['receivers'][string];
  }
  return out;
}

async function resolveToken(file: string, raw: string): Promise<string> {
  if (!raw) return '';
  const { resolveSecret } = await import('../notify/secret.js');
  try {
    return resolveSecret(raw);
  } catch (err) {
    throw new ConfigError(file, 'http.token', (err as Error).message, 'Set the variable or fix the path');
  }
}

export async function loadConfig(file: string, explicit: boolean): Promise<MonitorConfig> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return defaultConfig();
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code})`;
    throw new ConfigError(file, '', why, explicit ? 'Check the --config path' : '');
  }
  const YAML = await import('yaml');
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(YAML)';
    const first = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(file, where, `invalid YAML: ${first}`, 'Fix the syntax');
  }
  const data: unknown = doc.toJS() ?? {};
  const { configSchema } = await import('./schema.js');
  const result = configSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const key = keyPath([...issue.path, issue.keys[0] ?? '?']);
      throw new ConfigError(file, key, 'unknown key', 'Check the spelling against the configuration table in the README');
    }
    const got = valueAt(data, issue.path);
    const message = issue.message.replace(/^Invalid input: /, '').replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
    const [problem, ...hint] = message.split('. ');
    throw new ConfigError(file, keyPath(issue.path), `${problem} (got ${got === undefined ? 'nothing' : showValue(got)})`, hint.join('. '));
  }
  const c = result.data;
  const receivers = await parseReceivers(file, c.alerting.receivers);
  for (const sev of ['critical', 'warning', 'info'] as const) {
    (c.alerting.routes?.[sev] ?? []).forEach((step, i) => step.receivers.forEach((name, j) => {
      if (!Object.prototype.hasOwnProperty.call(receivers, name)) {
        throw new ConfigError(file, `alerting.routes.${sev}.${i}.receivers.${j}`, `no receiver named ${showValue(name)}`, `Define it under alerting.receivers (have: ${Object.keys(receivers).join(', ') || 'none'})`);
      }
    }));
  }
  const toStep = (st: { after: number; receivers: string[]; unacked_only: boolean }) => ({ afterMs: st.after, receivers: st.receivers, unackedOnly: st.unacked_only });
  return {
    file,
    hubs: c.hubs,
    timeoutMs: c.timeout,
    check: {
      successRate: c.check.success_rate,
      p95LatencyMs: c.check.p95_latency_ms,
      cacheHitRate: c.check.cache_hit_rate,
      queueDepth: c.check.queue_depth,
      memoryMb: c.check.memory_mb,
      serversDown: c.check.servers_down,
      deadServerSeverity: c.check.dead_server_severity,
      deadAfterMs: c.check.dead_after,
      transitionalStateSeverity: c.check.transitional_state_severity,
    },
    collect: {
      intervalMs: c.collect.interval,
      sse: c.collect.sse,
      retention: { rawMs: c.collect.retention.raw, oneMinuteMs: c.collect.retention.one_minute, oneHourMs: c.collect.retention.one_hour },
    },
    probes: { enabled: c.probes.enabled, intervalMs: c.probes.interval, idleIntervalMs: c.probes.idle_interval, timeoutMs: c.probes.timeout, canaries: c.probes.canaries },
    alerting: {
      enabled: c.alerting.enabled,
      failureThreshold: c.alerting.failure_threshold,
      successThreshold: c.alerting.success_threshold,
      forMs: c.alerting.for,
      keepFiringForMs: c.alerting.keep_firing_for,
      groupBy: c.alerting.group_by,
      groupWaitMs: c.alerting.group_wait,
      groupIntervalMs: c.alerting.group_interval,
      repeatIntervalMs: c.alerting.repeat_interval,
      flapping: { windowMs: c.alerting.flapping.window, changes: c.alerting.flapping.changes },
      rules: { ...DEFAULTS.alerting.rules, ...Object.fromEntries(Object.entries(c.alerting.rules).map(([id, r]) => [id, {
        ...DEFAULTS.alerting.rules[id],
        ...(r.enabled !== undefined ? { enabled: r.enabled } : {}),
        ...(r.severity !== undefined ? { severity: r.severity } : {}),
        ...(r.failure_threshold !== undefined ? { failureThreshold: r.failure_threshold } : {}),
        ...(r.success_threshold !== undefined ? { successThreshold: r.success_threshold } : {}),
        ...(r.for !== undefined ? { forMs: r.for } : {}),
        ...(r.keep_firing_for !== undefined ? { keepFiringForMs: r.keep_firing_for } : {}),
      }])) },
      routes: c.alerting.routes ? {
        critical: c.alerting.routes.critical.map(toStep),
        warning: c.alerting.routes.warning.map(toStep),
        info: c.alerting.routes.info.map(toStep),
      } : undefined,
      maintenance: c.alerting.maintenance.map((m) => ({ cron: m.cron, durationMs: m.duration, matchers: m.matchers, comment: m.comment })),
      externalUrl: c.alerting.external_url,
      heartbeat: { url: c.alerting.heartbeat.url, intervalMs: c.alerting.heartbeat.interval },
      receivers,
    },
    regression: { windowMs: c.regression.window, tolerance: c.regression.tolerance / 100, intervalMs: c.regression.interval },
    http: { listen: c.http.listen, token: await resolveToken(file, c.http.token), allowedHosts: c.http.allowed_hosts },
    slo: {
      windowMs: c.slo.window,
      availabilityPercent: c.slo.availability,
      latencyPercent: c.slo.latency,
      latencyThresholdMs: c.slo.latency_threshold,
      burnRates: DEFAULTS.slo.burnRates,
    },
    schedule: c.schedule,
    validate: {
      diskFreePercent: c.validate.disk_free_percent,
      logDirWarningBytes: c.validate.log_dir_warning,
      acceptExposure: c.validate.accept_exposure,
    },
    logs: c.logs,
    anomalies: {
      windowMs: c.anomalies.window,
      errorSpike: { errors: c.anomalies.error_spike.errors, withinMs: c.anomalies.error_spike.within },
      flappingCycles: c.anomalies.flapping_cycles,
      cpuPercent: c.anomalies.cpu_percent,
      rssBytes: c.anomalies.rss,
      logSizeBytes: c.anomalies.log_size,
      logFlood: { linesPerSecond: c.anomalies.log_flood.lines_per_second, duplicateRatio: c.anomalies.log_flood.duplicate_ratio },
      outlierSigmas: c.anomalies.outlier_sigmas,
    },
    levels: {
      successRate: c.levels.success_rate,
      p95LatencyMs: c.levels.p95_latency_ms,
      cacheHitRate: c.levels.cache_hit_rate,
    },
  };
}
