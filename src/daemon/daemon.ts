/**
 * `mcp-hub-monitor daemon`: the long-running collector (replaces the guide's crontab). A foreground process
 * for systemd (`Type=simple`): logs JSON lines to stderr, holds a lock so a second daemon on the same state
 * dir refuses, records its runs so downtime is a gap (unknown, never up), and on SIGTERM flushes and exits 0
 * within 2 s. One collector per hub; every row carries the hub.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { createHubAgent } from '../sources/http-get.js';
import type { HubTarget } from '../sources/hub-client.js';
import { systemClock, type Clock } from './clock.js';
import { timelineOf, type ClockJumpData, type TimelineClock } from './timeline.js';
import { HubCollector, type Logger, type StartSse } from './collector.js';
import { schedulePeriodic, type Periodic } from './schedule.js';
import { WriteBuffer } from './write-buffer.js';
import { scheduledJobs, startJobs } from './jobs.js';
import { HubProber } from './prober.js';
import { HubsSeenRecorder } from './hubs-seen.js';
import { startAlerting, type AlertingMemory, type RunningAlerting } from './alerting.js';
import { StoreHealth } from './store-health.js';
import { readStoreWriteStatus } from './store-write-status.js';
import { guardWal } from './wal-guard.js';
import { LiveState } from './live-state.js';
import { seedLiveState } from './live-seed.js';
import { keepReserve } from '../store/reserve.js';
import type { Notifier } from '../notify/types.js';
import type { Store } from '../store/store.js';

export interface DaemonOptions {
  cfg: MonitorConfig;
  targets: HubTarget[];
  stateDir: string;
  store: Store;
  log: Logger;
  /** Wrapped in a time line (timeline.ts) unless it is one: pass the same time line to every start of a process, so a reload continues it. */
  clock?: Clock;
  startSse?: StartSse;
  /** Per-request deadline for polls (below the interval). */
  timeoutMs: number;
  /** Notification receivers by name (built from config by the daemon command). */
  notifiers?: ReadonlyMap<string, Notifier>;
  /** [0, 1) for backoff jitter; injected in tests. */
  random?: () => number;
  /** How to run this CLI's own commands for the scheduled jobs; absent = no jobs. */
  jobs?: { cliArgv: string[]; globalArgs: string[] };
  /**
   * Continue this run, its write buffer and store health, and what its alerting kept in memory, instead of
   * starting one: a config reload, no gap, no new run row, nothing held in memory lost.
   */
  resume?: { run: RunIdentity; buffer: WriteBuffer; health: StoreHealth; live: LiveState; alerting?: AlertingMemory };
}

/** Which run of the daemon this is. */
export interface RunIdentity {
  runId: number;
  /** Epoch ms this run started, and whether the previous run stopped cleanly. */
  startedAt: number;
  cleanStart: boolean;
  /** Whether its `runs` row is stored: a store that refuses writes at the start (disk full) gets it later. */
  recorded: boolean;
}

export interface RunningDaemon extends RunIdentity {
  /** The time line every stored time and duration of this run comes from. */
  clock: TimelineClock;
  /** The run, kept across config reloads (a reload resumes it). */
  run: RunIdentity;
  collectors: HubCollector[];
  buffer: WriteBuffer;
  /** Whether the store takes writes: the gate of every write, and what /metrics, the log and monitor.store say. */
  health: StoreHealth;
  /** What /metrics and the API read: every row recorded, in memory (kept across config reloads). */
  live: LiveState;
  alerting?: RunningAlerting;
  /** Stops collecting and flushes; `endRun: false` leaves the run open for a reloaded config to resume. */
  stop(opts?: { endRun?: boolean }): Promise<void>;
}

const ROLLUP_EVERY_MS = 60_000;
const RETENTION_EVERY_MS = 3_600_000;
/** Each committed poll already moves the run's last beat (same transaction); this beat covers a daemon whose polls all fail to write. */
const BEAT_EVERY_MS = 30_000;
const WAL_GUARD_EVERY_MS = 5_000;
/** How far back a start seeds the read model: the longest a poll is shown (views/http/snapshot.ts), at least. */
const SEED_LOOKBACK_MS = 5 * 60_000;

/** Starts collecting; the caller owns the lock and the store and closes them after stop(). */
export function startDaemon(o: DaemonOptions): RunningDaemon {
  const clock = timelineOf(o.clock ?? systemClock);
  const { store, log, cfg } = o;
  const health = o.resume?.health ?? new StoreHealth({
    dbPath: store.path, stateDir: o.stateDir, clock, log,
    lastSuccessAt: readStoreWriteStatus(o.stateDir)?.lastWriteAt ?? store.lastSampleTime(),
  });
  health.reclaim = () => store.reclaimWal();
  let run: RunIdentity;
  if (o.resume) run = o.resume.run;
  else {
    const previous = store.lastRun();
    const cleanStart = previous === undefined || Boolean(previous.clean_stop);
    // The id is known before the row is stored: the daemon runs under it even while the store refuses writes.
    run = { runId: store.nextRunId(), startedAt: clock.now(), cleanStart, recorded: false };
  }
  /** Stores the run's row if it is not yet; whether it is stored. */
  const recordRun = (): boolean => {
    if (!run.recorded) {
      run.recorded = health.attempt(() => store.startRun({ id: run.runId, pid: process.pid, t: run.startedAt, cleanStart: run.cleanStart, lastBeatAt: clock.now() })).ok;
    }
    return run.recorded;
  };
  recordRun();
  const { runId } = run;
  log.info({ runId, cleanStart: run.cleanStart, hubs: o.targets.map((t) => t.url), sse: Boolean(o.startSse) }, o.resume ? 'daemon reconfigured' : 'daemon started');
  if (o.startSse && !o.resume) {
    log.info({}, 'listening to SSE: each hub counts this daemon as a client; an --auto-shutdown hub stays alive while it runs, and may shut down when it stops (use collect.sse: false or --no-sse for poll-only)');
  }
  const live = o.resume?.live ?? new LiveState();
  // Once per hub: what the store holds from before this run (a reload seeds only hubs it adds).
  seedLiveState(live, store, o.targets.map((t) => t.url).filter((url) => !live.hub(url)), {
    now: clock.now(), since: run.startedAt,
    lookbackMs: Math.max(SEED_LOOKBACK_MS, 3 * cfg.collect.intervalMs, 3 * cfg.probes.intervalMs),
  });
  const buffer = o.resume?.buffer ?? new WriteBuffer(store, { runId, gate: health, tap: (samples, events) => live.observe(samples, events) });
  buffer.onDropping = (stats) => log.error({ droppedSamples: stats.droppedSamples, droppedEvents: stats.droppedEvents, pending: stats.pendingSamples + stats.pendingEvents },
    'the store has refused writes for so long that the memory backlog is full: dropping the oldest rows (counted in /metrics)');
  const agent = createHubAgent();
  let collectors: HubCollector[] = [];
  const alerting = cfg.alerting.enabled
    ? startAlerting({
      cfg, store, clock, log, buffer, agent, notifiers: o.notifiers ?? new Map(), random: o.random, runId,
      hubs: () => collectors.map((c) => c.hub),
      stateDir: o.stateDir, health, ...(o.resume?.alerting ? { carry: o.resume.alerting } : {}),
      collecting: () => collectors.some((c) => c.lastPollAt !== undefined && clock.now() - c.lastPollAt < 3 * cfg.collect.intervalMs),
    })
    : undefined;
  live.openAlerts = alerting ? () => alerting.pipeline.openAlerts() : () => [];
  const probersByHub = new Map<string, HubProber>();
  collectors = o.targets.map((target) => new HubCollector(target, {
    cfg, clock, writer: buffer, agent, log, startSse: o.startSse,
    onServerAlive: (server) => probersByHub.get(target.url)?.noteLife(server),
    onSnapshot: alerting ? (s, prev) => alerting.onSnapshot(s, prev) : undefined,
    pollIntervalMs: cfg.collect.intervalMs,
    timeoutMs: Math.min(o.timeoutMs, Math.max(500, cfg.collect.intervalMs - 500)),
  }));
  // Writing works again: everything kept in memory goes to the store, oldest first, and the space held back
  // for a start on a full volume is set aside again when there is room.
  health.onRecovered = () => {
    if (recordRun() && buffer.flush()) alerting?.persist();
    keepReserve(o.stateDir);
  };
  for (const c of collectors) c.start();
  const probers = cfg.probes.enabled
    ? collectors.map((c) => new HubProber(c.hub, {
      cfg, clock, writer: buffer, agent, connectedServers: () => c.connectedServers(),
      onRound: alerting ? (p, k, answered, complete) => alerting.onProbeRound(c.hub, p, k, answered, complete) : undefined,
    }))
    : [];
  for (const p of probers) probersByHub.set(p.hub, p);
  for (const p of probers) p.start();
  // A step of the wall clock is an event on every hub's timeline; a followed forward step moves the live
  // alert timers by as much, so they keep counting monotonic time.
  const unsubscribeSteps = clock.onStep((step) => {
    const data: ClockJumpData = { deltaMs: step.deltaMs, aheadMs: step.aheadMs, followedMs: step.followedMs };
    log.warn(data, step.deltaMs > 0 ? 'wall clock stepped forward (or the machine slept): followed' : 'wall clock stepped back: stored times keep their monotonic course, ahead of the wall clock');
    buffer.write([], collectors.map((c) => ({ hub: c.hub, t: step.at, type: 'clock_jump', data })));
    if (step.followedMs > 0) alerting?.shiftTimes(step.followedMs);
  });

  const seen = new HubsSeenRecorder(o.stateDir, o.targets, log);
  const noteSeen = (force = false) => {
    // check reads the file on the wall clock: the time line's lead after a step back is taken off.
    const ahead = clock.aheadMs();
    for (const c of collectors) seen.observe(c.hub, c.lastOkAt === undefined ? undefined : c.lastOkAt - ahead, c.lastPollOk === true);
    seen.flush(clock.now(), force);
  };
  const housekeeping: Periodic[] = [
    schedulePeriodic({
      periodMs: BEAT_EVERY_MS, clock, immediate: false,
      run: async () => {
        if (recordRun() && buffer.flush()) health.attempt(() => store.beat(runId, clock.now()));
      },
    }),
    schedulePeriodic({
      periodMs: WAL_GUARD_EVERY_MS, clock, immediate: false,
      run: async () => { if (!health.failing) guardWal(store, o.stateDir); },
    }),
    schedulePeriodic({
      periodMs: cfg.collect.intervalMs, clock, immediate: false,
      run: async () => noteSeen(),
    }),
    schedulePeriodic({
      periodMs: ROLLUP_EVERY_MS, clock, immediate: false,
      run: async () => {
        if (health.failing) return; // the write buffer's retries find out when writing works again
        try { health.attempt(() => store.rollup(clock.now())); } catch (err) { log.warn({ err: String(err) }, 'rollup failed; retrying next minute'); }
      },
    }),
    schedulePeriodic({
      periodMs: RETENTION_EVERY_MS, clock, immediate: false,
      run: async () => {
        // Retention deletes by the run's start plus the monotonic time since, never by a time a forward step
        // (+1 year) moved: nothing younger than the policy by the monotonic clock is deleted (faults A22).
        const r = cfg.collect.retention;
        if (health.failing) return;
        try { health.attempt(() => store.retention(clock.steadyNow(), { rawMs: r.rawMs, oneMinuteMs: r.oneMinuteMs, oneHourMs: r.oneHourMs })); } catch (err) { log.warn({ err: String(err) }, 'retention failed'); }
      },
    }),
  ];

  const jobs = o.jobs
    ? startJobs(scheduledJobs(cfg.schedule), {
      ...o.jobs, log, now: () => clock.now(), record: (events) => buffer.write([], events),
    })
    : undefined;
  void jobs?.then((j) => log.info({ next: j.next() }, 'scheduled jobs'));

  return {
    ...run,
    clock,
    run,
    collectors,
    buffer,
    health,
    live,
    alerting,
    async stop(opts = {}) {
      unsubscribeSteps();
      (await jobs)?.stop();
      await Promise.all([...collectors.map((c) => c.stop()), ...probers.map((p) => p.stop()), ...housekeeping.map((h) => h.stop())]);
      await alerting?.stop();
      agent.destroy();
      buffer.flush();
      alerting?.persist();
      noteSeen(true);
      if (opts.endRun === false) return;
      const clean = buffer.stats.pendingSamples === 0 && buffer.stats.pendingEvents === 0;
      if (!recordRun() || !health.attempt(() => store.stopRun(runId, clock.now(), clean)).ok) log.error({ error: health.lastError }, 'cannot record the clean stop');
      health.flushNote();
      log.info({ runId, dropped: buffer.stats.droppedSamples, lost: buffer.stats.pendingSamples + buffer.stats.pendingEvents }, 'daemon stopped');
    },
  };
}
