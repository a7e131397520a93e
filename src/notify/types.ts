/**
 * The contract every notification channel implements (docs/STYLE.md "A notifier"). A channel renders, escapes,
 * truncates and sends **once**; backoff, dedup, grouping and the outbox belong to the alert pipeline
 * (src/alerts/), as in Alertmanager.
 */

export type AlertSeverity = 'critical' | 'warning' | 'info';

/** One alert inside a notification. Every string may carry hostile hub text (server names, errors). */
export interface AlertItem {
  /** Stable id of the alert: a hash of its rule and labels. */
  fingerprint: string;
  rule: string;
  severity: AlertSeverity;
  status: 'firing' | 'resolved';
  /** Always `hub`, `rule`, `severity`; `server` / `tool` when narrower. */
  labels: Record<string, string>;
  /** One line, e.g. "server crashy is dead: the hub says connected, but uptime stayed 0". */
  summary: string;
  /** Longer text; may be large (channels truncate). */
  description?: string;
  /** Epoch ms it started firing. */
  startsAt: number;
  /** Epoch ms it resolved (resolved alerts only). */
  endsAt?: number;
  value?: number | string;
}

/** One notification: the current state of one alert group, for one receiver. */
export interface AlertBatch {
  /** The receiver's configured name (e.g. "team-slack"). */
  receiver: string;
  /** Stable key of the group, e.g. `{hub="http://127.0.0.1:7000"}`. */
  groupKey: string;
  groupLabels: Record<string, string>;
  /** "firing" while any alert in it fires. */
  status: 'firing' | 'resolved';
  /** Firing alerts first, then resolved ones. */
  alerts: AlertItem[];
  /** Stable per group across restarts (a hash of groupKey): PagerDuty's dedup_key (the group is one incident). */
  dedupKey: string;
  /**
   * This one notification (the group at one state, for one receiver): the `Idempotency-Key`. The same for
   * every retry of it, a crash's included; new for every new notification of the group (faults F8).
   */
  idempotencyKey: string;
  /** Where the full text can be read (the daemon's dashboard), when known. */
  externalUrl?: string;
  /** Set by `notify test`. */
  test?: boolean;
}

/** A batch as the alert pipeline queues it in the outbox; the deliverer adds the key of the outbox entry. */
export type QueuedBatch = Omit<AlertBatch, 'idempotencyKey'>;

/** The outcome of one send. Error texts must never contain a secret (URL, token, password). */
export type Delivery =
  | { kind: 'sent'; status?: number }
  /** Network error, timeout, 408, 429, 5xx: retrying can help. */
  | { kind: 'retry'; error: string; status?: number; retryAfterMs?: number }
  /** Any other status, a bad config: retrying cannot help. */
  | { kind: 'failed'; error: string; status?: number }
  /** The channel cannot work on this machine (no notify-send, no D-Bus session): counted, never retried. */
  | { kind: 'skipped'; reason: string };

export interface NotifierLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface NotifierDeps {
  log: NotifierLogger;
  /** Total deadline per attempt (faults §4 item 1: notifier 10 s). */
  timeoutMs: number;
}

export interface Notifier {
  /** The channel type, e.g. "webhook". */
  readonly channel: string;
  /** The receiver's configured name. */
  readonly name: string;
  /** Sends one batch once; resolves (never rejects) with the outcome. `signal` aborts the attempt. */
  send(batch: AlertBatch, signal: AbortSignal): Promise<Delivery>;
  /** Least time between two sends to this receiver (the service's rate limit, e.g. Slack's 1 per second). */
  readonly minIntervalMs?: number;
  /** Why this channel cannot work here (checked at config validation), or undefined when it can. */
  unavailable?(): Promise<string | undefined>;
}
