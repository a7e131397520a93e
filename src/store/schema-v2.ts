/**
 * Schema version 2: alerting. `alerts` holds one row per alert episode (pending → firing → resolved) with
 * the counters its lifecycle needs, so a restart resumes it (a resolve after a restart is still sent,
 * faults C9). `outbox` is the durable delivery queue; `notifications` is the notification log, written in
 * the transaction that marks an outbox row delivered (a kill -9 leaves at most one duplicate, faults §4.5).
 */
export const SCHEMA_V2 = `
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  rule TEXT NOT NULL,
  hub TEXT NOT NULL,
  labels TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL,
  fail_streak INTEGER NOT NULL DEFAULT 0,
  ok_streak INTEGER NOT NULL DEFAULT 0,
  active_since INTEGER,
  fired_at INTEGER,
  last_active_at INTEGER,
  resolved_at INTEGER,
  summary TEXT NOT NULL DEFAULT '',
  value TEXT,
  acked_at INTEGER,
  acked_by TEXT,
  ack_comment TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX alerts_open ON alerts (state, fingerprint);
CREATE INDEX alerts_fired ON alerts (fired_at);
CREATE INDEX alerts_resolved ON alerts (resolved_at);

CREATE TABLE silences (
  id INTEGER PRIMARY KEY,
  matchers TEXT NOT NULL,
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  comment TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  expired_at INTEGER
);
CREATE INDEX silences_ends ON silences (ends_at);

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  group_key TEXT NOT NULL,
  receiver TEXT NOT NULL,
  payload TEXT NOT NULL,
  firing TEXT NOT NULL,
  resolved TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  last_status INTEGER,
  superseded_by INTEGER,
  done_at INTEGER
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_group ON outbox (group_key, receiver, id);

CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  outbox_id INTEGER NOT NULL,
  group_key TEXT NOT NULL,
  receiver TEXT NOT NULL,
  status TEXT NOT NULL,
  firing TEXT NOT NULL,
  resolved TEXT NOT NULL,
  sent_at INTEGER NOT NULL
);
CREATE INDEX notifications_sent ON notifications (sent_at);
CREATE INDEX notifications_group ON notifications (group_key, receiver, sent_at);
`;
