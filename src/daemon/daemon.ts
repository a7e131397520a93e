/**
 * One run of the daemon, as the composition root (compose.ts) starts it for a config: the store health and
 * the run's identity, the read model, the write buffer, the alerting, and the jobs — a collector and a
 * prober per hub, the store's upkeep, the run's heartbeat, hubs-seen.json, the alerting's timers and the
 * scheduled commands (jobs/). Everything is built here and only here; a config reload stops this run and
 * starts another that resumes it (same run, buffer, store health, read model and alert memory).
 * The daemon records its runs so downtime is a gap (unknown, never up). One collector per hub; every row
 * carries the hub.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { createHubAgent } from '../sources/http-get.js';
import type { HubTarget } from '../model/hub.js';
import { systemClock, type Clock } from '../model/clock.js';
import { timelineOf, type ClockJumpData, type TimelineClock } from './timeline.js';
import { HubCollector, type Logger, type StartSse } from './collector.js';
import { schedulePeriodic, type Periodic } from '../model/schedule.js';
import { WriteBuffer } from './write-buffer.js';
import { HubProber } from './prober.js';
import { startAlerting, type AlertingMemory, type RunningAlerting } from './alerting.js';
import { StoreHealth } from './store-health.js';
import { readStoreWriteStatus } from './store-write-status.js';
import { LiveState } from './live-state.js';
import { seedLiveState } from './live-seed.js';
import type { EventRow } from './observations.js';
import type { Job } from './jobs/job.js';
import { otelHealthJob } from './jobs/otel-health.js';
import { runBeatJob } from './jobs/run-beat.js';
import { retentionJob, rollupJob, walGuardJob } from './jobs/store-upkeep.js';
import { hubsSeenJob } from './jobs/hubs-seen.js';
import { dispatchJob } from './jobs/dispatch.js';
import { regressionJob, sloJob } from './jobs/alert-evaluation.js';
import { heartbeatJob } from './jobs/heartbeat.js';
import { scheduledCommandsJob } from './jobs/scheduled-commands.js';
import { newTapSocketStats } from './jobs/tap-socket.js';
import { callsJob } from './jobs/calls.js';
import { capacityJob, diskUsageJob } from './jobs/capacity.js';
import { fleetJob } from './jobs/fleet.js';
import { anomalyJob, type AnomalyBandRow } from './jobs/anomaly.js';
import { nextTurn } from './anomaly-series.js';
import { remediationJob } from './jobs/remediation.js';
import type { McpTracing } from '../model/mcp-tracing.js';
import type { OtelExportHealth } from '../otel/status.js';
import { CallsLedger } from './calls-ledger.js';
import { TapIntake, tapHandler } from './tap-intake.js';
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
  resume?: RunHandover;
  /** Traces the probes' and canaries' requests (OpenTelemetry client spans); absent: not traced. */
  tracing?: McpTracing;
  /** The daemon's OpenTelemetry export health (for the monitor.otel alert); absent: export is not wired. */
  otelHealth?: () => OtelExportHealth;
}

/** What a run hands to the one that replaces it on a config reload. */
export interface RunHandover { run: RunIdentity; buffer: WriteBuffer; health: StoreHealth; live: LiveState; alerting?: AlertingMemory }

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
  /** What the run that replaces this one on a reload takes over. */
  handover(): RunHandover;
  /** The config file loads (undefined) or not (its error): the config.reload alert. */
  noteConfigLoad(error: string | undefined): void;
  /** Records events through the write buffer (and the read model). */
  record(events: EventRow[]): void;
  /** The daemon's own state, from memory: for /api/health and /metrics. */
  status(): RunStatus;
  /** Each watched hub as its collector sees it now. */
  hubStatus(): { url: string; lastPollAt?: number; lastPollOk?: boolean; sseConnected?: boolean }[];
  /** Stops collecting and flushes; `endRun: false` leaves the run open for a reloaded config to resume. */
  stop(opts?: { endRun?: boolean }): Promise<void>;
}

/** The run's own health as /metrics and /api/health show it (views/http/view.ts `DaemonHealthView` less the config reload). */
export interface RunStatus {
  startedAt: number;
  cleanStart: boolean;
  runId: number;
  outboxDepth: number;
  droppedSamples: number;
  notifications: Readonly<Record<string, Readonly<Record<string, number>>>>;
  store: { writeFailures: number; failing: boolean; lastWriteAt?: number; pendingRows: number; droppedEvents: number; pendingAlerting: number };
  /** The learned bands of the anomaly job's latest pass (none before its first, or with it off). */
  anomaly?: readonly AnomalyBandRow[];
}

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
  const run = o.resume?.run ?? newRun(store, clock);
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
    lookbackMs: Math.max(SEED_LOOKBACK_MS, 3 * cfg.collect.interval, 3 * cfg.probes.interval),
  });
  const buffer = o.resume?.buffer ?? new WriteBuffer(store, { runId, gate: health, tap: (samples, events) => live.observe(samples, events) });
  buffer.onDropping = (stats) => log.error({ droppedSamples: stats.droppedSamples, droppedEvents: stats.droppedEvents, pending: stats.pendingSamples + stats.pendingEvents },
    'the store has refused writes for so long that the memory backlog is full: dropping the oldest rows (counted in /metrics)');
  const agent = createHubAgent();
  let collectors: HubCollector[] = [];
  const hubs = () => collectors.map((c) => c.hub);
  const collecting = () => collectors.some((c) => c.lastPollAt !== undefined && clock.now() - c.lastPollAt < 3 * cfg.collect.interval);
  const alerting = cfg.alerting.enabled
    ? startAlerting({
      cfg, store, clock, log, buffer, notifiers: o.notifiers ?? new Map(), random: o.random,
      stateDir: o.stateDir, health, ...(o.resume?.alerting ? { carry: o.resume.alerting } : {}),
    })
    : undefined;
  live.openAlerts = alerting ? () => alerting.openAlerts() : () => [];
  const probersByHub = new Map<string, HubProber>();
  collectors = o.targets.map((target) => new HubCollector(target, {
    cfg, clock, writer: buffer, agent, log, startSse: o.startSse,
    onServerAlive: (server) => probersByHub.get(target.url)?.noteLife(server),
    onSnapshot: alerting ? (s, prev) => alerting.onSnapshot(s, prev) : undefined,
    pollIntervalMs: cfg.collect.interval,
    timeoutMs: Math.min(o.timeoutMs, Math.max(500, cfg.collect.interval - 500)),
  }));
  // Writing works again: everything kept in memory goes to the store, oldest first, and the space held back
  // for a start on a full volume is set aside again when there is room.
  health.onRecovered = () => {
    if (recordRun() && buffer.flush()) alerting?.persist();
    keepReserve(o.stateDir);
  };
  const probers = cfg.probes.enabled
    ? collectors.map((c) => new HubProber(c.hub, {
      cfg, clock, writer: buffer, agent, connectedServers: () => c.connectedServers(),
      ...(o.tracing ? { tracing: o.tracing } : {}),
      onRound: alerting ? (p, k, answered, complete) => alerting.onProbeRound(c.hub, p, k, answered, complete) : undefined,
    }))
    : [];
  for (const p of probers) probersByHub.set(p.hub, p);
  // A step of the wall clock is an event on every hub's timeline; a followed forward step moves the live
  // alert timers by as much, so they keep counting monotonic time.
  const unsubscribeSteps = clock.onStep((step) => {
    const data: ClockJumpData = { deltaMs: step.deltaMs, aheadMs: step.aheadMs, followedMs: step.followedMs };
    log.warn(data, step.deltaMs > 0 ? 'wall clock stepped forward (or the machine slept): followed' : 'wall clock stepped back: stored times keep their monotonic course, ahead of the wall clock');
    buffer.write([], collectors.map((c) => ({ hub: c.hub, t: step.at, type: 'clock_jump', data })));
    if (step.followedMs > 0) alerting?.shiftTimes(step.followedMs);
  });

  // The tap's calls and its socket outlive a run: a reload keeps the taps connected (tap-intake.ts).
  const tap = (live.tap ??= { ledger: new CallsLedger(), socket: newTapSocketStats(o.stateDir) });
  const intake = (tap.intake ??= new TapIntake({ stateDir: o.stateDir, clock, log, stats: tap.socket }));
  const onTapMessage = tapHandler({
    clock, ledger: tap.ledger,
    watched: (hub) => collectors.some((c) => c.hub === hub),
    onDeadEvidence: (call, hub, server) => {
      const collector = collectors.find((c) => c.hub === hub);
      const tool = call.tool === null ? '' : ` (tool ${call.tool})`;
      const dead = `dead: a call through the tap${tool} failed with ${JSON.stringify(call.errorMessage)}: the server's process is gone, whatever the hub's list says`;
      collector?.noteDead(server, dead);
      collector?.look();
      alerting?.onDeadEvidence(hub, server, `${server}: ${dead}`);
    },
  });
  const seen = hubsSeenJob({ stateDir: o.stateDir, targets: o.targets, log, clock, periodMs: cfg.collect.interval, collectors: () => collectors });
  const upkeep = { clock, store, health, log };
  const jobs: Job[] = [
    ...collectors, ...probers,
    runBeatJob({ clock, store, health, buffer, runId, recordRun }),
    walGuardJob({ ...upkeep, stateDir: o.stateDir }),
    seen,
    rollupJob(upkeep),
    retentionJob({ ...upkeep, retention: cfg.collect.retention }),
    ...(cfg.capacity.enabled ? [diskUsageJob({ cfg, store, clock, hubs, write: (samples) => buffer.write(samples, []) })] : []),
    ...(o.jobs ? [scheduledCommandsJob(cfg.schedule, { ...o.jobs, log, now: () => clock.now(), record: (events) => buffer.write([], events) })] : []),
  ];
  const observe = alerting ? alerting.observe : () => undefined;
  const anomaly = alerting && cfg.anomaly.enabled ? anomalyJob({ cfg, store, clock, hubs, observe, openAlerts: () => alerting.openAlerts(), log, pause: nextTurn }) : undefined;
  const alertingJobs: Job[] = alerting
    ? [
      dispatchJob(clock, alerting),
      otelHealthJob({ clock, daemon: () => o.otelHealth?.(), taps: (now) => tap.ledger.tapOtel(now), observe }),
      sloJob({ cfg, store, clock, hubs, observe, runId }),
      regressionJob({ cfg, store, clock, hubs, observe, stateDir: o.stateDir, log }),
      fleetJob({ cfg, store, clock, hubs, observe, openAlerts: () => alerting.openAlerts() }),
      ...(cfg.capacity.enabled ? [capacityJob({ cfg, store, clock, hubs, observe })] : []),
      ...(anomaly ? [anomaly] : []),
      ...(cfg.alerting.heartbeat.url ? [heartbeatJob({ url: cfg.alerting.heartbeat.url, intervalMs: cfg.alerting.heartbeat.interval, clock, log, agent, collecting })] : []),
      ...(cfg.remediation.enabled ? [remediationJob({
        cfg, clock, log, store, agent, observe, openAlerts: () => alerting.openAlerts(), silences: () => alerting.alertStore.activeSilences(clock.now()),
        hubs: () => collectors.map((c) => ({ url: c.hub, lastPollOk: c.lastPollOk })), record: (events) => buffer.write([], events),
      })] : []),
    ]
    : [];
  // Remediation acts on alerts: without the alerting it has nothing to act on, and must say so.
  if (cfg.remediation.enabled && !alerting) log.warn({}, 'remediation.enabled is true but alerting.enabled is false: remediation acts on alerts, so it does nothing');
  // Judged even with alerting off: calls-window.json feeds check and status.
  jobs.push(callsJob({ cfg, clock, ledger: tap.ledger, socket: tap.socket, write: (samples) => buffer.write(samples, []), hubs, ...(alerting ? { observe } : {}), stateDir: o.stateDir, log }));
  for (const j of [...jobs, ...alertingJobs]) j.start();
  intake.attach(onTapMessage);

  return {
    ...run,
    clock,
    run,
    collectors,
    buffer,
    health,
    live,
    alerting,
    handover: () => ({ run, buffer, health, live, ...(alerting ? { alerting: alerting.memory() } : {}) }),
    noteConfigLoad: (error) => alerting?.noteConfigLoad(error),
    record: (events) => { buffer.write([], events); },
    hubStatus: () => collectors.map((c) => ({ url: c.hub, lastPollAt: c.lastPollAt, lastPollOk: c.lastPollOk, sseConnected: c.sseConnected() })),
    status: () => ({
      startedAt: run.startedAt, cleanStart: run.cleanStart, runId,
      outboxDepth: alerting?.outbox.pendingDepth() ?? 0, droppedSamples: buffer.stats.droppedSamples,
      notifications: alerting?.notificationCounts() ?? {},
      store: {
        writeFailures: health.failures, failing: health.failing, ...(health.lastSuccessAt !== undefined ? { lastWriteAt: health.lastSuccessAt } : {}),
        pendingRows: buffer.stats.pendingSamples + buffer.stats.pendingEvents, droppedEvents: buffer.stats.droppedEvents,
        pendingAlerting: alerting ? alerting.outbox.memoryDepth() + alerting.pipeline.unsavedCount() : 0,
      },
      ...(anomaly ? { anomaly: anomaly.bands() } : {}),
    }),
    async stop(opts = {}) {
      unsubscribeSteps();
      if (opts.endRun === false) intake.detach();
      else await intake.close();
      await Promise.all(jobs.map((j) => j.stop()));
      await Promise.all(alertingJobs.map((j) => j.stop()));
      await alerting?.stop();
      agent.destroy();
      // The calls of the interval in progress are stored at a stop (a reload carries them on).
      if (opts.endRun !== false) buffer.write(tap.ledger.closeInterval(clock.now(), cfg.calls.window), []);
      buffer.flush();
      alerting?.persist();
      seen.flush();
      if (opts.endRun === false) return;
      const clean = buffer.stats.pendingSamples === 0 && buffer.stats.pendingEvents === 0;
      if (!recordRun() || !health.attempt(() => store.stopRun(runId, clock.now(), clean)).ok) log.error({ error: health.lastError }, 'cannot record the clean stop');
      health.flushNote();
      log.info({ runId, dropped: buffer.stats.droppedSamples, lost: buffer.stats.pendingSamples + buffer.stats.pendingEvents }, 'daemon stopped');
    },
  };
}

/** A new run: its id is known before its row is stored, so the daemon runs under it while the store refuses writes. */
function newRun(store: Store, clock: TimelineClock): RunIdentity {
  const previous = store.lastRun();
  const cleanStart = previous === undefined || Boolean(previous.clean_stop);
  return { runId: store.nextRunId(), startedAt: clock.now(), cleanStart, recorded: false };
}
