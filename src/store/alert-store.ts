/**
 * The alerting tables (schema v2): alert episodes, silences, the outbox and the notification log. Shares
 * the store's connection (one writer: the daemon); the CLI's `ack` and `silence` write single rows through
 * their own connection, which WAL and the 5 s busy timeout make safe.
 */
import type Database from 'better-sqlite3';
import { decode, type TextRow } from './queries.js';

export type AlertState = 'pending' | 'firing' | 'resolved';

export interface AlertRow {
  id: number;
  fingerprint: string;
  rule: string;
  hub: string;
  labels: Record<string, string>;
  severity: string;
  state: AlertState;
  failStreak: number;
  okStreak: number;
  activeSince: number | null;
  firedAt: number | null;
  lastActiveAt: number | null;
  resolvedAt: number | null;
  summary: string;
  value: string | null;
  ackedAt: number | null;
  ackedBy: string | null;
  ackComment: string | null;
  updatedAt: number;
}

export interface Matcher {
  name: string;
  value: string;
  /** `=~` / `!~`: value is a regular expression anchored at both ends. */
  regex: boolean;
  /** `!=` / `!~`. */
  negative: boolean;
}

export interface SilenceRow {
  id: number;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
  createdAt: number;
  expiredAt: number | null;
}

export type OutboxState = 'pending' | 'delivered' | 'failed_permanent' | 'superseded' | 'expired' | 'skipped';

export interface OutboxRow {
  id: number;
  groupKey: string;
  receiver: string;
  payload: string;
  firing: string[];
  resolved: string[];
  state: OutboxState;
  attempts: number;
  createdAt: number;
  nextAttemptAt: number;
  lastError: string | null;
  lastStatus: number | null;
  doneAt: number | null;
}

/** What was last handed to a receiver for a group: the dedup stage compares against it. */
export interface Intent {
  firing: string[];
  resolved: string[];
  createdAt: number;
  /** The severity each firing alert had when it was handed over (fingerprint → severity). */
  severities: Record<string, string>;
}

/** Fingerprint → severity of the firing alerts in a stored batch payload (notify/types.ts AlertBatch). */
function severitiesOf(payload: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  try {
    const batch = JSON.parse(payload) as { alerts?: { fingerprint?: unknown; severity?: unknown; status?: unknown }[] };
    for (const a of batch.alerts ?? []) {
      if (a.status === 'firing' && typeof a.fingerprint === 'string' && typeof a.severity === 'string') out[a.fingerprint] = a.severity;
    }
  } catch {
    // An unreadable payload tells no severities: every alert then counts as news to the receiver.
  }
  return out;
}

type Raw = Record<string, unknown>;

const alertFromRaw = (r: Raw): AlertRow => ({
  id: r.id as number, fingerprint: r.fingerprint as string, rule: r.rule as string, hub: r.hub as string,
  labels: JSON.parse(r.labels as string) as Record<string, string>, severity: r.severity as string, state: r.state as AlertState,
  failStreak: r.fail_streak as number, okStreak: r.ok_streak as number, activeSince: r.active_since as number | null,
  firedAt: r.fired_at as number | null, lastActiveAt: r.last_active_at as number | null, resolvedAt: r.resolved_at as number | null,
  summary: r.summary as string, value: r.value as string | null, ackedAt: r.acked_at as number | null,
  ackedBy: r.acked_by as string | null, ackComment: r.ack_comment as string | null, updatedAt: r.updated_at as number,
});

const silenceFromRaw = (r: Raw): SilenceRow => ({
  id: r.id as number, matchers: JSON.parse(r.matchers as string) as Matcher[], startsAt: r.starts_at as number,
  endsAt: r.ends_at as number, comment: r.comment as string, createdBy: r.created_by as string,
  createdAt: r.created_at as number, expiredAt: r.expired_at as number | null,
});

const outboxFromRaw = (r: Raw): OutboxRow => ({
  id: r.id as number, groupKey: r.group_key as string, receiver: r.receiver as string, payload: r.payload as string,
  firing: JSON.parse(r.firing as string) as string[], resolved: JSON.parse(r.resolved as string) as string[],
  state: r.state as OutboxState, attempts: r.attempts as number, createdAt: r.created_at as number,
  nextAttemptAt: r.next_attempt_at as number, lastError: r.last_error as string | null,
  lastStatus: r.last_status as number | null, doneAt: r.done_at as number | null,
});

/** The daemon writes an alert_firing event in the evaluation that fires the row: well within this of fired_at. */
const FIRING_EVENT_SLACK_MS = 60_000;

export class AlertStore {
  /** Every prepared statement, for the query-plan test. */
  readonly statements: Record<string, Database.Statement>;
  private readonly s: Record<string, Database.Statement>;

  constructor(private readonly db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      openAlerts: p("SELECT * FROM alerts WHERE state IN ('pending', 'firing') ORDER BY id"),
      insertAlert: p(`INSERT INTO alerts (fingerprint, rule, hub, labels, severity, state, fail_streak, ok_streak, active_since,
        fired_at, last_active_at, resolved_at, summary, value, acked_at, acked_by, ack_comment, updated_at)
        VALUES (@fingerprint, @rule, @hub, @labels, @severity, @state, @failStreak, @okStreak, @activeSince, @firedAt,
        @lastActiveAt, @resolvedAt, @summary, @value, @ackedAt, @ackedBy, @ackComment, @updatedAt)`),
      updateAlert: p(`UPDATE alerts SET severity = @severity, state = @state, fail_streak = @failStreak, ok_streak = @okStreak,
        active_since = @activeSince, fired_at = @firedAt, last_active_at = @lastActiveAt, resolved_at = @resolvedAt,
        summary = @summary, value = @value, updated_at = @updatedAt WHERE id = @id`),
      deleteAlert: p('DELETE FROM alerts WHERE id = ?'),
      alertById: p('SELECT * FROM alerts WHERE id = ?'),
      recentResolved: p("SELECT * FROM alerts WHERE state = 'resolved' AND resolved_at >= ? ORDER BY resolved_at DESC LIMIT ?"),
      firingEvents: p("SELECT id, hub, t, type, server, data FROM events WHERE hub = ? AND t >= ? AND t <= ? AND type = 'alert_firing' ORDER BY t"),
      ack: p('UPDATE alerts SET acked_at = ?, acked_by = ?, ack_comment = ? WHERE id = ?'),
      acks: p("SELECT id, acked_at, acked_by, ack_comment FROM alerts WHERE state IN ('pending', 'firing') AND acked_at IS NOT NULL"),
      addSilence: p('INSERT INTO silences (matchers, starts_at, ends_at, comment, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      activeSilences: p('SELECT * FROM silences INDEXED BY silences_ends WHERE ends_at > ? AND starts_at <= ? AND expired_at IS NULL ORDER BY id'),
      listSilences: p('SELECT * FROM silences INDEXED BY silences_ends WHERE ends_at > ? ORDER BY id'),
      expireSilence: p('UPDATE silences SET expired_at = ?, ends_at = min(ends_at, ?) WHERE id = ? AND expired_at IS NULL AND ends_at > ?'),
      supersede: p("UPDATE outbox SET state = 'superseded', superseded_by = ?, done_at = ? WHERE group_key = ? AND receiver = ? AND state = 'pending' AND id <> ?"),
      enqueue: p(`INSERT INTO outbox (group_key, receiver, payload, firing, resolved, state, created_at, next_attempt_at)
        VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`),
      lastIntents: p(`SELECT o.id, o.state, o.group_key, o.receiver, o.firing, o.resolved, o.created_at, o.payload FROM outbox o
        WHERE o.id = (SELECT max(id) FROM outbox i WHERE i.group_key = o.group_key AND i.receiver = o.receiver AND i.state <> 'superseded')`),
      due: p("SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?"),
      nextDue: p("SELECT min(next_attempt_at) AS t FROM outbox WHERE state = 'pending'"),
      delivered: p("UPDATE outbox SET state = 'delivered', attempts = attempts + 1, last_status = ?, done_at = ? WHERE id = ? AND state = 'pending'"),
      logNotification: p('INSERT INTO notifications (outbox_id, group_key, receiver, status, firing, resolved, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      retry: p("UPDATE outbox SET attempts = attempts + ?, next_attempt_at = ?, last_error = ?, last_status = ? WHERE id = ? AND state = 'pending'"),
      importRow: p(`INSERT INTO outbox (group_key, receiver, payload, firing, resolved, state, attempts, created_at, next_attempt_at, last_error, last_status, done_at)
        VALUES (@groupKey, @receiver, @payload, @firing, @resolved, @state, @attempts, @createdAt, @nextAttemptAt, @lastError, @lastStatus, @doneAt)`),
      finish: p("UPDATE outbox SET state = ?, attempts = attempts + ?, last_error = ?, last_status = ?, done_at = ? WHERE id = ? AND state = 'pending'"),
      pendingDepth: p("SELECT count(*) AS n FROM outbox WHERE state = 'pending'"),
      outboxById: p('SELECT * FROM outbox WHERE id = ?'),
      notificationsSince: p('SELECT * FROM notifications WHERE sent_at >= ? ORDER BY sent_at, id LIMIT ?'),
      shiftPending: p("UPDATE outbox SET created_at = created_at + ?, next_attempt_at = next_attempt_at + ? WHERE state = 'pending'"),
      shiftCreated: p('UPDATE outbox SET created_at = created_at + ? WHERE id = ?'),
      failuresSince: p("SELECT receiver, state, last_error, last_status, done_at FROM outbox WHERE state IN ('failed_permanent', 'expired') AND done_at >= ? ORDER BY done_at DESC LIMIT ?"),
    };
    this.statements = this.s;
  }

  /** Runs `fn` in one IMMEDIATE transaction. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Alerts pending or firing, oldest first. */
  openAlerts(): AlertRow[] {
    return (this.s.openAlerts!.all() as Raw[]).map(alertFromRaw);
  }

  /** Inserts (id 0) or updates an alert; returns its id. */
  saveAlert(a: AlertRow): number {
    const params = { ...a, labels: JSON.stringify(a.labels) };
    if (a.id > 0) {
      this.s.updateAlert!.run(params);
      return a.id;
    }
    const { id: _omit, ...insert } = params;
    void _omit;
    return Number(this.s.insertAlert!.run(insert).lastInsertRowid);
  }

  /** Forgets a pending alert that never fired (it is not history). */
  deleteAlert(id: number): void {
    this.s.deleteAlert!.run(id);
  }

  alert(id: number): AlertRow | undefined {
    const r = this.s.alertById!.get(id) as Raw | undefined;
    return r ? alertFromRaw(r) : undefined;
  }

  /**
   * The text an alert fired with: its alert_firing event's summary. A resolved row's own summary is the
   * passing check's text ("crashy: connected, up 6s"); it is the answer only when the event is gone.
   */
  firedSummary(a: AlertRow): string {
    if (a.firedAt === null) return a.summary;
    for (const r of this.s.firingEvents!.all(a.hub, a.firedAt - FIRING_EVENT_SLACK_MS, a.firedAt + FIRING_EVENT_SLACK_MS) as TextRow[]) {
      const e = decode(r);
      if (e.type === 'alert_firing' && e.data.fingerprint === a.fingerprint) return e.data.summary;
    }
    return a.summary;
  }

  /** Resolved alerts since `from`, newest first. */
  recentResolved(from: number, limit = 200): AlertRow[] {
    return (this.s.recentResolved!.all(from, limit) as Raw[]).map(alertFromRaw);
  }

  /** Acknowledges an open alert; false when there is none with that id. */
  ack(id: number, by: string, comment: string, now: number): boolean {
    return this.s.ack!.run(now, by, comment, id).changes > 0;
  }

  /** Acks of open alerts (the daemon reads them each tick: the CLI writes them). */
  acks(): Map<number, { ackedAt: number; ackedBy: string | null; ackComment: string | null }> {
    const out = new Map<number, { ackedAt: number; ackedBy: string | null; ackComment: string | null }>();
    for (const r of this.s.acks!.all() as Raw[]) out.set(r.id as number, { ackedAt: r.acked_at as number, ackedBy: r.acked_by as string | null, ackComment: r.ack_comment as string | null });
    return out;
  }

  addSilence(s: Omit<SilenceRow, 'id' | 'expiredAt'>): number {
    return Number(this.s.addSilence!.run(JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.comment, s.createdBy, s.createdAt).lastInsertRowid);
  }

  activeSilences(now: number): SilenceRow[] {
    return (this.s.activeSilences!.all(now, now) as Raw[]).map(silenceFromRaw);
  }

  /** Silences not yet ended (active or scheduled). */
  listSilences(now: number): SilenceRow[] {
    return (this.s.listSilences!.all(now) as Raw[]).map(silenceFromRaw);
  }

  expireSilence(id: number, now: number): boolean {
    return this.s.expireSilence!.run(now, now, id, now).changes > 0;
  }

  /**
   * Queues a notification and, in the same transaction, supersedes any still-pending one for the same
   * group and receiver: the receiver gets the current state, not a backlog (faults C6).
   */
  enqueue(o: { groupKey: string; receiver: string; payload: string; firing: string[]; resolved: string[]; now: number }): number {
    return this.db.transaction(() => {
      const id = Number(this.s.enqueue!.run(o.groupKey, o.receiver, o.payload, JSON.stringify(o.firing), JSON.stringify(o.resolved), o.now, o.now).lastInsertRowid);
      this.s.supersede!.run(id, o.now, o.groupKey, o.receiver, id);
      return id;
    }).immediate();
  }

  /** The latest non-superseded intent per group and receiver, keyed `group\0receiver`. */
  lastIntents(): Map<string, Intent> {
    const out = new Map<string, Intent>();
    for (const r of this.s.lastIntents!.all() as Raw[]) {
      out.set(`${r.group_key as string}\0${r.receiver as string}`, {
        firing: JSON.parse(r.firing as string) as string[], resolved: JSON.parse(r.resolved as string) as string[], createdAt: r.created_at as number,
        severities: severitiesOf(r.payload as string),
      });
    }
    return out;
  }

  due(now: number, limit = 50): OutboxRow[] {
    return (this.s.due!.all(now, limit) as Raw[]).map(outboxFromRaw);
  }

  /** When the next pending entry is due, if any. */
  nextDue(): number | undefined {
    const t = (this.s.nextDue!.get() as { t: number | null }).t;
    return t ?? undefined;
  }

  outbox(id: number): OutboxRow | undefined {
    const r = this.s.outboxById!.get(id) as Raw | undefined;
    return r ? outboxFromRaw(r) : undefined;
  }

  /** Marks delivered and writes the notification log row in one transaction. */
  markDelivered(row: OutboxRow, now: number, status: number | null): void {
    this.db.transaction(() => {
      if (this.s.delivered!.run(status, now, row.id).changes === 0) return;
      const batchStatus = row.firing.length > 0 ? 'firing' : 'resolved';
      this.s.logNotification!.run(row.id, row.groupKey, row.receiver, batchStatus, JSON.stringify(row.firing), JSON.stringify(row.resolved), now);
    }).immediate();
  }

  /** `attempts`: how many failed attempts this records (more than one when they were kept in memory first). */
  markRetry(id: number, nextAt: number, error: string, status: number | null, attempts = 1): void {
    this.s.retry!.run(attempts, nextAt, error.slice(0, 512), status, id);
  }

  /**
   * Stores an outbox entry the daemon kept in memory while the store refused writes, as it stands now (its
   * state, attempts, and for a delivered one its notification log row), superseding older pending entries
   * of its group and receiver as enqueue does. Returns its id.
   */
  storeOutboxRow(row: Omit<OutboxRow, 'id'>): number {
    return this.db.transaction(() => {
      const id = Number(this.s.importRow!.run({ ...row, firing: JSON.stringify(row.firing), resolved: JSON.stringify(row.resolved), lastError: row.lastError?.slice(0, 512) ?? null }).lastInsertRowid);
      this.s.supersede!.run(id, row.createdAt, row.groupKey, row.receiver, id);
      if (row.state === 'delivered') {
        this.s.logNotification!.run(id, row.groupKey, row.receiver, row.firing.length > 0 ? 'firing' : 'resolved', JSON.stringify(row.firing), JSON.stringify(row.resolved), row.doneAt ?? row.createdAt);
      }
      return id;
    }).immediate();
  }

  /** Ends an entry without delivery: failed_permanent, expired or skipped. */
  markDone(id: number, state: 'failed_permanent' | 'expired' | 'skipped', now: number, error: string, status: number | null, attempted = true): void {
    this.s.finish!.run(state, attempted ? 1 : 0, error.slice(0, 512), status, now, id);
  }

  /**
   * Moves the outbox's live times forward by `ms` after the daemon's time line followed a forward step of
   * the wall clock: pending entries' backoff and 24 h horizon, and each group's last intent (group_interval,
   * repeat_interval), so they count monotonic time (faults F7). History (sent, failed) keeps its times.
   */
  shiftLiveTimes(ms: number): void {
    this.db.transaction(() => {
      this.s.shiftPending!.run(ms, ms);
      for (const r of this.s.lastIntents!.all() as Raw[]) if (r.state !== 'pending') this.s.shiftCreated!.run(ms, r.id);
    }).immediate();
  }

  pendingDepth(): number {
    return (this.s.pendingDepth!.get() as { n: number }).n;
  }

  notificationsSince(from: number, limit = 1_000): { receiver: string; groupKey: string; status: string; firing: string[]; resolved: string[]; sentAt: number }[] {
    return (this.s.notificationsSince!.all(from, limit) as Raw[]).map((r) => ({
      receiver: r.receiver as string, groupKey: r.group_key as string, status: r.status as string,
      firing: JSON.parse(r.firing as string) as string[], resolved: JSON.parse(r.resolved as string) as string[], sentAt: r.sent_at as number,
    }));
  }

  /** Deliveries that ended without success since `from`, newest first. */
  failuresSince(from: number, limit = 100): { receiver: string; state: string; error: string | null; status: number | null; at: number }[] {
    return (this.s.failuresSince!.all(from, limit) as Raw[]).map((r) => ({
      receiver: r.receiver as string, state: r.state as string, error: r.last_error as string | null, status: r.last_status as number | null, at: r.done_at as number,
    }));
  }
}
