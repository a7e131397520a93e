/**
 * What the HTTP server may read of a running daemon: a narrow, read-only view, so the server can be tested
 * against a real store seeded by hand (test/support/fake-daemon-view.ts) and cannot change anything.
 */
import type { MonitorConfig } from '../../config/defaults.js';
import type { LiveView } from '../../daemon/live-state.js';
import type { AnomalyBandRow } from '../../daemon/jobs/anomaly.js';
import type { OtelExportHealth } from '../../otel/status.js';
import type { AlertStore } from '../../store/alert-store.js';
import type { Store } from '../../store/store.js';

/** One watched hub as its collector sees it now. */
export interface HubStatusView {
  url: string;
  /** Epoch ms of the last finished poll (any outcome); undefined before the first. */
  lastPollAt?: number;
  lastPollOk?: boolean;
  /** undefined in poll-only mode (no SSE stream). */
  sseConnected?: boolean;
}

/** The store's read queries; a read-only Store satisfies it. */
export type StoreReader = Pick<Store, 'querySamples' | 'samplesOfName' | 'queryEvents' | 'eventsAfter' | 'listSeries' | 'listHubs' | 'ratioOver' | 'sumsOver' | 'observedMs' | 'lastSampleTime' | 'gaps'>;

/** The alert tables' reads; an AlertStore satisfies it. */
export type AlertReader = Pick<AlertStore, 'openAlerts' | 'recentResolved' | 'firedSummary'>;

/** The daemon's own health. */
export interface DaemonHealthView {
  /** Epoch ms of this run's start. */
  startedAt: number;
  /** Whether the previous run stopped cleanly. */
  cleanStart: boolean;
  runId: number;
  /** Notifications waiting in the outbox. */
  outboxDepth: number;
  /** Samples the write buffer dropped because the store refused them for too long. */
  droppedSamples: number;
  /** The history's writes (issue I): what the daemon sees of its own store, from memory, never from the store. */
  store: StoreWriteView;
  /** Cumulative delivery outcomes since start: receiver → outcome (sent, retry, failed, expired) → count. */
  notifications: Record<string, Record<string, number>>;
  /** The last config load: whether it took effect, and when one last did (epoch ms). */
  configReload: { ok: boolean; lastSuccessAt: number };
  /** The daemon's OpenTelemetry export (absent: a view without one, as export off). */
  otel?: OtelExportHealth;
  /** The learned bands of the anomaly job's latest pass (absent: none yet, or the job is off). */
  anomaly?: readonly AnomalyBandRow[];
}

export interface StoreWriteView {
  /** Write attempts the store refused since the daemon started. */
  writeFailures: number;
  /** Epoch ms of the last committed write (before this run too); undefined when none is known. */
  lastWriteAt?: number;
  /** Whether writes fail now. */
  failing: boolean;
  /** Rows (samples and events) waiting in memory for the store. */
  pendingRows: number;
  /** Events the write buffer dropped (the samples are `droppedSamples`). */
  droppedEvents: number;
  /** Alert changes and notifications kept in memory because the store refused them. */
  pendingAlerting: number;
}

/** Read access to a running daemon, everything the HTTP server needs. */
export interface DaemonView {
  hubs(): HubStatusView[];
  /** What the daemon has observed, in memory: each hub's latest poll, verdicts and probes, open alerts. */
  live(): LiveView;
  /** History: ranges for charts, events, resolved alerts, SLO windows. */
  store(): StoreReader;
  /** undefined when alerting is disabled. */
  alerts(): AlertReader | undefined;
  daemon(): DaemonHealthView;
  /** The effective config (SLO objectives and windows, poll interval). */
  config(): MonitorConfig;
  /** Wall clock, epoch ms. */
  now(): number;
}
