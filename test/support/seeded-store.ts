/**
 * A history store with a known eight days, for the report tests: two hubs polled every 60 s from T0
 * (Monday 2026-01-05 00:00Z) to T0 + 8 d, with outages whose answers are known exactly.
 *
 * - hub A (`http://127.0.0.1:7000`): down (polls refused) 30 min on day 3 from 10:00; RSS grows
 *   100 MB + 5 MB/day; health latency 5–14 ms on day 0 and 10–19 ms after.
 * - hub A's servers: `stable`; `flaky` down 10 min four times on day 5 (02:00, 04:00, 06:00, 08:00);
 *   `crashy` dead 2 h on day 6 from 12:00; HOSTILE (pipes, a newline, backticks, `<script>`, an
 *   `<img onerror>`) down 5 min on day 2 at 15:00. Each outage has its alert row and events.
 * - hub B (`http://10.0.0.2:7000`): always up, one server `stable`, latency 20 ms, no RSS.
 * - the daemon was not running on day 7 from 03:00 to 04:00 (no samples: unknown).
 * - logs on day 4: ECONNRESET ×5 (+20 in a flood summary), E_TOOL_TIMEOUT ×3, a hostile code ×2, EPIPE ×2
 *   (summary), one warning without a code; on day 0: ECONNRESET ×4. Tool lists of `stable` and HOSTILE
 *   change on day 4. An alert seen only in events (no row) on day 0.
 * - the tap's calls to hub A, stored as the daemon stores them (calls.* series, one interval an hour at
 *   hh:50:05, none in the daemon gap): `files/read` 10 calls of 20 ms each hour, on day 0 one more failing
 *   `timeout`; `search/query` 2 calls of 3000 ms (300 ms on day 0); `crashy/echo` 20 calls failing `500`
 *   (Not connected) in each hour of crashy's outage; one HOSTILE/HOSTILE_TOOL call failing HOSTILE_CODE on day 4.
 * Rollups are folded up to 30 minutes before the end, so reports read raw samples for the last half hour.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callSamples } from '../../src/daemon/calls-series.js';
import { addCall, emptyStats } from '../../src/model/call-stats.js';
import { AlertStore, type AlertRow } from '../../src/store/alert-store.js';
import { Store, type NewEvent, type SampleInput } from '../../src/store/store.js';

export const T0 = Date.UTC(2026, 0, 5);
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const END = T0 + 8 * DAY;
export const HUB_A = 'http://127.0.0.1:7000';
export const HUB_B = 'http://10.0.0.2:7000';
export const HOSTILE = 'evil|name\n`x` <script>alert(1)</script><img src=x onerror="window.__pwned=1">';
export const HOSTILE_CODE = '<b>x</b>|y';
export const HOSTILE_TOOL = 'a|b\n<script>t</script>';

/** Known outages, as [start, end) in epoch ms. */
export const OUTAGES = {
  hubA: [T0 + 3 * DAY + 10 * HOUR, T0 + 3 * DAY + 10 * HOUR + 30 * MIN] as const,
  flaky: [2, 4, 6, 8].map((h) => [T0 + 5 * DAY + h * HOUR, T0 + 5 * DAY + h * HOUR + 10 * MIN] as const),
  crashy: [T0 + 6 * DAY + 12 * HOUR, T0 + 6 * DAY + 14 * HOUR] as const,
  hostile: [T0 + 2 * DAY + 15 * HOUR, T0 + 2 * DAY + 15 * HOUR + 5 * MIN] as const,
  daemonGap: [T0 + 7 * DAY + 3 * HOUR, T0 + 7 * DAY + 4 * HOUR] as const,
};

/** A poll happens 7 s into each minute. */
const POLL_OFFSET = 7_000;
const inside = (t: number, [a, b]: readonly [number, number]) => t >= a && t < b;

/** Polls, events, alerts and runs of the known eight days; returns the state dir and a cleanup. */
export function seedStore(): { root: string; stateDir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'mhm-report-'));
  const stateDir = join(root, 'state');
  const store = Store.open({ stateDir, quickCheck: false });
  try {
    const run1 = store.startRun({ pid: 1, t: T0, cleanStart: true });
    let batch: SampleInput[] = [];
    const flush = () => { store.insertSamples(batch); batch = []; };
    for (let i = 0; i < 8 * 1440; i++) {
      const t = T0 + i * MIN + POLL_OFFSET;
      if (inside(t, OUTAGES.daemonGap)) continue;
      const lat = (i < 1440 ? 5 : 10) + (i % 10);
      if (inside(t, OUTAGES.hubA)) {
        batch.push({ hub: HUB_A, name: 'hub.up', t, v: 0, err: 'refused' });
      } else {
        batch.push(
          { hub: HUB_A, name: 'hub.up', t, v: 1 },
          { hub: HUB_A, name: 'hub.health_latency_ms', t, v: lat },
          { hub: HUB_A, name: 'hub.health_fast', t, v: 1 },
          { hub: HUB_A, name: 'hub.rss_bytes', t, v: Math.round(100e6 + (5e6 * (t - T0)) / DAY) },
          { hub: HUB_A, name: 'server.up', labels: { server: 'stable' }, t, v: 1 },
          { hub: HUB_A, name: 'server.up', labels: { server: 'flaky' }, t, v: OUTAGES.flaky.some((o) => inside(t, o)) ? 0 : 1 },
          { hub: HUB_A, name: 'server.up', labels: { server: 'crashy' }, t, v: inside(t, OUTAGES.crashy) ? 0 : 1 },
          { hub: HUB_A, name: 'server.up', labels: { server: HOSTILE }, t, v: inside(t, OUTAGES.hostile) ? 0 : 1 },
        );
      }
      batch.push(
        { hub: HUB_B, name: 'hub.up', t, v: 1 },
        { hub: HUB_B, name: 'hub.health_latency_ms', t, v: 20 },
        { hub: HUB_B, name: 'hub.health_fast', t, v: 1 },
        { hub: HUB_B, name: 'server.up', labels: { server: 'stable' }, t, v: 1 },
      );
      if (batch.length >= 20_000) flush();
    }
    flush();
    store.insertSamples(tapCalls());
    store.stopRun(run1, OUTAGES.daemonGap[0], true);
    const run2 = store.startRun({ pid: 2, t: OUTAGES.daemonGap[1], cleanStart: true });
    store.stopRun(run2, END, true);
    while (!store.rollup(END - 30 * MIN, { maxSpanMs: 2 * DAY }).done) { /* fold all complete minutes */ }

    store.insertEvents(events());
    const alerts = new AlertStore(store.db);
    for (const a of alertRows()) alerts.saveAlert(a);
  } finally {
    store.close();
  }
  return { root, stateDir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** The tap's calls to hub A (see the top of the file), as the daemon's calls job stores them. */
function tapCalls(): SampleInput[] {
  const out: SampleInput[] = [];
  for (let h = 0; h < 8 * 24; h++) {
    const t = T0 + h * HOUR + 50 * MIN + 5_000;
    if (inside(t, OUTAGES.daemonGap)) continue;
    const day0 = t < T0 + DAY;
    type Calls = { n: number; ms: number; fail?: { type: string; message: string } };
    // One interval of a (server, tool) is one set of rows: its calls of every kind added up, as the ledger does.
    const interval = (server: string, tool: string, ...kinds: Calls[]) => {
      const s = emptyStats(HUB_A, server, tool);
      for (const { n, ms, fail } of kinds) {
        for (let i = 0; i < n; i++) {
          addCall(s, {
            hub: HUB_A, server, tool, method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: t - 1_000, durationMs: ms,
            outcome: fail ? 'jsonrpc_error' : 'ok', ...(fail ? { errorType: fail.type, errorMessage: fail.message } : {}), requestBytes: 10, responseBytes: 10,
          });
        }
      }
      out.push(...callSamples(s, t));
    };
    interval('files', 'read', { n: 10, ms: 20 }, ...(day0 ? [{ n: 1, ms: 30_000, fail: { type: 'timeout', message: 'timed out' } }] : []));
    interval('search', 'query', { n: 2, ms: day0 ? 300 : 3_000 });
    if (inside(t, OUTAGES.crashy)) interval('crashy', 'echo', { n: 20, ms: 4, fail: { type: '500', message: 'Not connected' } });
    if (h === 4 * 24 + 9) interval(HOSTILE, HOSTILE_TOOL, { n: 1, ms: 5, fail: { type: HOSTILE_CODE, message: HOSTILE } });
  }
  return out;
}

/** The first poll at or after `t`. */
const poll = (t: number) => Math.ceil((t - POLL_OFFSET) / MIN) * MIN + POLL_OFFSET;

function events(): NewEvent[] {
  const ev: NewEvent[] = [];
  const down = (server: string, [a, b]: readonly [number, number], dead = false) => ev.push(
    { hub: HUB_A, t: poll(a), type: dead ? 'server_dead' : 'server_status', server, data: { from: 'up', to: dead ? 'dead' : 'down', message: 'x' } },
    { hub: HUB_A, t: poll(b), type: 'server_status', server, data: { from: dead ? 'dead' : 'down', to: 'up', message: 'connected' } },
  );
  for (const o of OUTAGES.flaky) down('flaky', o);
  down('crashy', OUTAGES.crashy, true);
  down(HOSTILE, OUTAGES.hostile);
  ev.push({ hub: HUB_A, t: poll(OUTAGES.hubA[0]), type: 'poll_failed', data: { failure: 'refused', message: 'connect ECONNREFUSED' } },
    { hub: HUB_A, t: poll(OUTAGES.hubA[1]), type: 'poll_recovered', data: { after: 'refused' } });
  const day4 = T0 + 4 * DAY;
  const log = (t: number, server: string | undefined, level: string, code?: string) =>
    ev.push({ hub: HUB_A, t, type: 'log', server, data: { level, code, message: `m ${code ?? ''}` } });
  for (let k = 0; k < 5; k++) log(day4 + k * MIN, 'flaky', 'error', 'ECONNRESET');
  for (let k = 0; k < 3; k++) log(day4 + HOUR + k * MIN, 'crashy', 'error', 'E_TOOL_TIMEOUT');
  for (let k = 0; k < 2; k++) log(day4 + 2 * HOUR + k * MIN, HOSTILE, 'warn', HOSTILE_CODE);
  log(day4 + 3 * HOUR, 'stable', 'warn');
  log(day4 + 3 * HOUR + MIN, 'stable', 'info', 'IGNORED_INFO');
  ev.push({ hub: HUB_A, t: day4 + 4 * HOUR, type: 'log_summary', data: { from: day4 + 4 * HOUR - 1000, to: day4 + 4 * HOUR, total: 22, byLevel: { error: 22 }, byCode: { ECONNRESET: 20, EPIPE: 2 }, sample: ['x'] } });
  for (let k = 0; k < 4; k++) log(T0 + 6 * HOUR + k * MIN, 'flaky', 'error', 'ECONNRESET');
  ev.push(
    { hub: HUB_A, t: T0 + MIN, type: 'tool_list_changed', server: 'stable', data: { baseline: true, count: 5 } },
    { hub: HUB_A, t: day4 + 12 * HOUR, type: 'tool_list_changed', server: 'stable', data: { added: ['search'], removed: ['old_tool'], changed: [{ name: 'read', fields: ['description'] }], count: 5 } },
    { hub: HUB_A, t: day4 + 13 * HOUR, type: 'tool_list_changed', server: HOSTILE, data: { added: [HOSTILE_TOOL], removed: [], changed: [], count: 1 } },
  );
  // The daemon writes an event per alert transition (at its own clock, a little after the row's time).
  // The firing event keeps the text it fired with; the resolved row (and its event) the passing text.
  for (const a of alertRows()) {
    const data = { rule: a.rule, severity: a.severity, fingerprint: a.fingerprint };
    ev.push({ hub: a.hub, t: a.firedAt! + 1_500, type: 'alert_firing', server: a.labels.server, data: { ...data, summary: FIRING_TEXT[a.fingerprint] ?? a.summary } },
      { hub: a.hub, t: a.resolvedAt! + 1_500, type: 'alert_resolved', server: a.labels.server, data: { ...data, summary: a.summary } });
  }
  // An episode known only from its events (its row is gone): in the previous week of a weekly report.
  const old = { rule: 'hub.memory', severity: 'warning', fingerprint: 'fp-old', summary: 'hub RSS 520 MB' };
  ev.push({ hub: HUB_A, t: T0 + 6 * HOUR, type: 'alert_firing', data: old }, { hub: HUB_A, t: T0 + 6 * HOUR + 20 * MIN, type: 'alert_resolved', data: old });
  return ev;
}

/** What each seeded alert fired with (its alert_firing event's summary). */
export const FIRING_TEXT: Record<string, string> = {
  'fp-hub': 'refused',
  'fp-flaky': 'flaky: disconnected',
  'fp-crashy': 'crashy: dead: the hub says connected, but uptime went from 41s to 0s',
  'fp-hostile': `${HOSTILE}: disconnected | <b>bold</b>`,
};

/** The alert store's rows: one resolved episode per known outage, with the passing text a resolve leaves. */
export function alertRows(): AlertRow[] {
  const row = (fingerprint: string, rule: string, severity: string, server: string | undefined, summary: string, [a, b]: readonly [number, number]): AlertRow => ({
    id: 0, fingerprint, rule, hub: HUB_A, labels: { hub: HUB_A, rule, ...(server === undefined ? {} : { server }) }, severity, state: 'resolved',
    failStreak: 0, okStreak: 2, activeSince: a, firedAt: a, lastActiveAt: b, resolvedAt: b, summary, value: null,
    ackedAt: null, ackedBy: null, ackComment: null, updatedAt: b,
  });
  return [
    row('fp-hub', 'hub.reachable', 'critical', undefined, 'answered in 4ms', OUTAGES.hubA),
    ...OUTAGES.flaky.map((o) => row('fp-flaky', 'server.status', 'warning', 'flaky', 'flaky: connected, up 6s', o)),
    row('fp-crashy', 'server.status', 'critical', 'crashy', 'crashy: connected, up 6s', OUTAGES.crashy),
    row('fp-hostile', 'server.status', 'warning', HOSTILE, `${HOSTILE}: connected, up 2s`, OUTAGES.hostile),
  ];
}

/** The hub and server the documented examples (README, docs/commands.md) name. */
export const README_HUB = 'http://127.0.0.1:7000';
export const README_SERVER = 'everything';

/**
 * A store for the documented examples, which count back from now (`--since 6h`, `--since 30d`): eight days up
 * to `now` of one poll a minute of README_HUB and its server README_SERVER (dead for 10 minutes two days
 * ago, with its server_dead event and alert), folded into rollups up to the last minute.
 */
export function seedRecentStore(now: number): { stateDir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'mhm-readme-'));
  const stateDir = join(root, 'state');
  const store = Store.open({ stateDir, quickCheck: false });
  const start = Math.floor((now - 8 * DAY) / MIN) * MIN;
  const dead = [now - 2 * DAY, now - 2 * DAY + 10 * MIN] as const;
  try {
    const run = store.startRun({ pid: 1, t: start, cleanStart: true });
    const batch: SampleInput[] = [];
    for (let t = start + POLL_OFFSET; t < now; t += MIN) {
      batch.push(
        { hub: README_HUB, name: 'hub.up', t, v: 1 },
        { hub: README_HUB, name: 'hub.health_latency_ms', t, v: 5 + ((t / MIN) % 7) },
        { hub: README_HUB, name: 'hub.rss_bytes', t, v: 100e6 },
        { hub: README_HUB, name: 'server.up', labels: { server: README_SERVER }, t, v: inside(t, dead) ? 0 : 1 },
      );
    }
    store.insertSamples(batch);
    store.stopRun(run, now, true);
    while (!store.rollup(now - MIN, { maxSpanMs: 2 * DAY }).done) { /* fold all complete minutes */ }
    const data = { rule: 'server.status', severity: 'critical', fingerprint: 'fp-dead', summary: `${README_SERVER}: dead` };
    store.insertEvents([
      { hub: README_HUB, t: poll(dead[0]), type: 'server_dead', server: README_SERVER, data: { from: 'up', to: 'dead', message: 'uptime went to 0' } },
      { hub: README_HUB, t: poll(dead[1]), type: 'server_status', server: README_SERVER, data: { from: 'dead', to: 'up', message: 'connected' } },
      { hub: README_HUB, t: poll(dead[0]) + 1_500, type: 'alert_firing', server: README_SERVER, data },
      { hub: README_HUB, t: poll(dead[1]) + 1_500, type: 'alert_resolved', server: README_SERVER, data },
    ]);
  } finally {
    store.close();
  }
  return { stateDir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
