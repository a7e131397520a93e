/**
 * The running daemon behind its config file, and config reloads (SIGHUP, `mcp-hub-monitor reload`;
 * faults B14). A config that does not load leaves the running one untouched and says so everywhere an
 * operator looks: the log, a stored event, `config-reload.json` beside the store (for `reload` and
 * `check --expect-daemon`), the `mcp_hub_monitor_config_last_reload_successful` gauge and the
 * `config.reload` alert, as Alertmanager's coordinator and Prometheus do. A config that loads replaces
 * the collectors, probers, jobs and alerting in place: same store, same run, same write buffer, and the
 * alert state lives in the store, so a reload notifies nothing twice.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { META_HUB, metaScope } from '../alerts/results.js';
import type { EventBody } from '../model/events.js';
import type { Notifier } from '../notify/types.js';
import type { HubTarget } from '../model/hub.js';
import type { Logger } from './collector.js';
import type { RunningDaemon, DaemonOptions } from './daemon.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/files.js';
import { CONFIG_RELOAD_FILE, type ReloadStatus } from './reload-status.js';

/** A config as the daemon runs it: the file with the command-line overrides applied, and the hubs. */
export interface ResolvedConfig {
  cfg: MonitorConfig;
  targets: HubTarget[];
}

export interface HostDeps {
  /** Loads the config file again and applies the flags; throws ConfigError/UsageError naming the key and file. */
  resolve(): Promise<ResolvedConfig>;
  buildNotifiers(cfg: MonitorConfig): Promise<ReadonlyMap<string, Notifier>>;
  /** startDaemon with everything but the config, the hubs, the receivers and the run to resume. */
  start(o: Pick<DaemonOptions, 'cfg' | 'targets' | 'notifiers' | 'resume'>): RunningDaemon;
  stateDir: string;
  log: Logger;
  now(): number;
}

/** What one reload did. */
export interface ReloadOutcome {
  ok: boolean;
  error?: string;
  /** Config sections that changed but only apply at the next start. */
  needsRestart: string[];
}

/** Sections bound at start (a listening socket, its token); a reload reports them instead of applying them. */
const START_ONLY = ['http'] as const;

export class DaemonHost {
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  status: ReloadStatus;

  private constructor(
    private readonly deps: HostDeps,
    private resolved: ResolvedConfig,
    private notifiers: ReadonlyMap<string, Notifier>,
    private running: RunningDaemon,
  ) {
    const at = deps.now();
    this.status = { at, ok: true, lastSuccessAt: at };
    this.settle();
  }

  /** Starts the first run from an already resolved config (a bad one at start is the caller's exit 3). */
  static async start(deps: HostDeps, first: ResolvedConfig): Promise<DaemonHost> {
    const notifiers = await deps.buildNotifiers(first.cfg);
    return new DaemonHost(deps, first, notifiers, deps.start({ cfg: first.cfg, targets: first.targets, notifiers }));
  }

  get daemon(): RunningDaemon {
    return this.running;
  }

  get cfg(): MonitorConfig {
    return this.resolved.cfg;
  }

  /** Reloads the config; reloads run one at a time, in order. */
  reload(): Promise<ReloadOutcome> {
    const next = this.queue.then(() => this.reloadNow());
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Stops the run (after a reload in progress finishes). */
  async stop(): Promise<void> {
    await this.queue;
    this.stopped = true;
    await this.running.stop();
  }

  private async reloadNow(): Promise<ReloadOutcome> {
    if (this.stopped) return { ok: false, error: 'the daemon is stopping', needsRestart: [] };
    const { log } = this.deps;
    let next: ResolvedConfig;
    let notifiers: ReadonlyMap<string, Notifier>;
    try {
      next = await this.deps.resolve();
      notifiers = await this.deps.buildNotifiers(next.cfg);
    } catch (err) {
      return this.failed((err as Error).message);
    }
    const needsRestart = START_ONLY.filter((k) => JSON.stringify(next.cfg[k]) !== JSON.stringify(this.resolved.cfg[k]));
    const previous = this.running;
    await previous.stop({ endRun: false });
    // Alert state the store refused lives only in memory: the next alerting takes it over.
    const resume = previous.handover();
    try {
      this.running = this.deps.start({ cfg: next.cfg, targets: next.targets, notifiers, resume });
    } catch (err) {
      // The schema accepted it but starting did not: go back to what ran before.
      this.running = this.deps.start({ cfg: this.resolved.cfg, targets: this.resolved.targets, notifiers: this.notifiers, resume });
      return this.failed(`the new config did not start: ${(err as Error).message}`);
    }
    this.resolved = next;
    this.notifiers = notifiers;
    const at = this.deps.now();
    this.status = { at, ok: true, lastSuccessAt: at, ...(needsRestart.length ? { needsRestart } : {}) };
    if (needsRestart.length) log.warn({ sections: needsRestart }, 'config reloaded; these sections change only when the daemon restarts');
    else log.info({ hubs: next.targets.map((t) => t.url) }, 'config reloaded');
    this.record({ type: 'config_reloaded', data: { hubs: next.targets.map((t) => t.url), ...(needsRestart.length ? { needsRestart } : {}) } });
    this.settle();
    return { ok: true, needsRestart };
  }

  private failed(error: string): ReloadOutcome {
    this.deps.log.error({ error }, 'config reload failed; still running the previous config');
    this.status = { ...this.status, at: this.deps.now(), ok: false, error };
    this.record({ type: 'config_reload_failed', data: { error } });
    this.observe(error);
    this.writeStatus();
    return { ok: false, error, needsRestart: [] };
  }

  /** After a start or a good reload: the file answers for the running config, and config.reload clears. */
  private settle(): void {
    this.observe(undefined);
    this.writeStatus();
  }

  private observe(error: string | undefined): void {
    this.running.noteConfigLoad(error);
  }

  private record(event: EventBody): void {
    this.running.record([{ hub: META_HUB, t: this.deps.now(), ...event }]);
  }

  private writeStatus(): void {
    try {
      writeFileAtomic(join(this.deps.stateDir, CONFIG_RELOAD_FILE), `${JSON.stringify(this.status)}\n`, { mode: 0o600 });
    } catch (err) {
      this.deps.log.warn({ err: String(err) }, 'cannot write the config reload status file');
    }
  }
}
