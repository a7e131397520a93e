/**
 * `alerts`, `ack`, `silence add|list|expire` and `notify test`: the operator's side of alerting. They
 * read and write the daemon's store directly (one row each; WAL and the busy timeout make that safe while
 * the daemon runs), and the daemon picks acks and silences up within a second.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { historyDbPath } from '../../config/paths.js';
import { formatElapsed, parseDuration, DURATION_HINT } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
import { loadConfig } from '../../config/load.js';
import type { AlertRow, SilenceRow } from '../../store/alert-store.js';
import { toSafeJson } from '../../views/json.js';
import { sanitizeTerminal as clean } from '../../views/sanitize.js';
import type { GlobalOptions } from '../global-options.js';
import type { CommandRun } from '../render-result.js';

const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z'));
const who = () => { try { return userInfo().username; } catch { return 'unknown'; } };

async function openStores(g: GlobalOptions, write: boolean) {
  const { Store } = await import('../../store/store.js');
  const { AlertStore } = await import('../../store/alert-store.js');
  if (!write && !existsSync(historyDbPath(g.stateDir))) return undefined;
  if (write) {
    const { ensureStateDir } = await import('../../store/files.js');
    ensureStateDir(g.stateDir, {});
  }
  const store = Store.open({ stateDir: g.stateDir, readOnly: !write, quickCheck: false });
  // "Now" on the daemon's time line, which runs ahead of the wall clock after a step back (faults F7):
  // ages, and the times an ack or a silence is stored with, are then on the daemon's times.
  const { storeTime } = await import('../../store/store-time.js');
  const time = () => storeTime(store, Date.now());
  return { store, alerts: new AlertStore(store.db), time, now: () => time().now };
}

/**
 * One alert. A resolved one shows the text it fired with (`summary`: the row's own is the passing text); a
 * firing one that did not page says which alert of the same fault did (one fault, one page).
 */
function alertLine(a: AlertRow, now: number, o: { summary?: string; mutedBy?: AlertRow } = {}): string {
  const since = a.state === 'resolved' ? `resolved ${iso(a.resolvedAt)}` : a.state === 'firing' ? `firing for ${formatElapsed(now - (a.firedAt ?? now))}` : `pending ${a.failStreak}×`;
  const ack = a.ackedAt !== null ? `  acked by ${clean(a.ackedBy ?? '?')}` : '';
  const muted = o.mutedBy ? `  [no page of its own: explained by #${o.mutedBy.id} ${clean(o.mutedBy.rule)}]` : '';
  return `#${a.id}  ${a.severity.toUpperCase().padEnd(8)} ${clean(a.rule).padEnd(16)} ${clean(a.hub || 'monitor')}  ${clean(o.summary ?? a.summary).slice(0, 200)}  (${since})${ack}${muted}`;
}

/** Lists open alerts (and, with --all, those resolved in the last 24 h). Exit 2 if any critical fires, 1 if a warning does. */
export async function runAlerts(g: GlobalOptions, opts: { all?: boolean }): Promise<CommandRun> {
  const s = await openStores(g, false);
  if (!s) return { exitCode: 0, output: g.json ? `${toSafeJson({ open: [], resolved: [] })}\n` : 'no alerts (no history yet: is the daemon running?)\n' };
  try {
    const now = s.now();
    const open = s.alerts.openAlerts();
    const resolved = (opts.all ? s.alerts.recentResolved(now - 86_400_000) : []).map((a) => ({ ...a, firedSummary: s.alerts.firedSummary(a) }));
    const firing = open.filter((a) => a.state === 'firing');
    const exitCode = firing.some((a) => a.severity === 'critical') ? 2 : firing.length ? 1 : 0;
    const { inhibitedBy } = await import('../../alerts/mute.js');
    const mutedBy = new Map(firing.flatMap((a) => { const by = inhibitedBy(a, firing); return by ? [[a.id, by] as const] : []; }));
    if (g.json) return { exitCode, output: `${toSafeJson({ open: open.map((a) => ({ ...a, inhibitedBy: mutedBy.get(a.id)?.id ?? null })), resolved })}\n` };
    const lines = open.length ? open.map((a) => alertLine(a, now, { mutedBy: mutedBy.get(a.id) })) : ['no open alerts'];
    if (opts.all) lines.push('', resolved.length ? 'resolved in the last 24 h:' : 'nothing resolved in the last 24 h', ...resolved.map((a) => alertLine(a, now, { summary: a.firedSummary })));
    return { exitCode, output: `${lines.join('\n')}\n` };
  } finally {
    s.store.close();
  }
}

export async function runAck(g: GlobalOptions, idText: string, opts: { comment?: string }): Promise<CommandRun> {
  const id = Number(idText.replace(/^#/, ''));
  if (!Number.isInteger(id) || id <= 0) throw new UsageError(`ack: not an alert id (got ${JSON.stringify(idText)}). Use the #number that \`alerts\` shows`);
  const s = (await openStores(g, true))!;
  try {
    if (!s.alerts.ack(id, who(), opts.comment ?? '', s.now())) throw new UsageError(`ack: no open alert #${id} (see \`mcp-hub-monitor alerts\`)`);
    return { exitCode: 0, output: `acked #${id}: no reminders and no further escalation for it\n` };
  } finally {
    s.store.close();
  }
}

export async function runSilenceAdd(g: GlobalOptions, matcherTexts: string[], opts: { duration?: string; comment?: string }): Promise<CommandRun> {
  const { parseMatcher, formatMatcher } = await import('../../alerts/matchers.js');
  if (matcherTexts.length === 0) throw new UsageError('silence add: give at least one matcher, e.g. server=crashy or hub=http://127.0.0.1:7000');
  let matchers;
  try {
    matchers = matcherTexts.map(parseMatcher);
  } catch (err) {
    throw new UsageError(`silence add: ${(err as Error).message}`);
  }
  const ms = parseDuration(opts.duration ?? '2h');
  if (ms === undefined || ms <= 0) throw new UsageError(`silence add: --duration: not a duration (got ${JSON.stringify(opts.duration)}). ${DURATION_HINT}`);
  const s = (await openStores(g, true))!;
  try {
    const { now, aheadMs } = s.time();
    const id = s.alerts.addSilence({ matchers, startsAt: now, endsAt: now + ms, comment: opts.comment ?? '', createdBy: who(), createdAt: now });
    return { exitCode: 0, output: `silence #${id}: ${matchers.map(formatMatcher).join(' ')} until ${iso(now + ms - aheadMs)}\n` };
  } finally {
    s.store.close();
  }
}

export async function runSilenceList(g: GlobalOptions): Promise<CommandRun> {
  const { formatMatcher } = await import('../../alerts/matchers.js');
  const s = await openStores(g, false);
  const time = s?.time() ?? { now: Date.now(), aheadMs: 0 };
  const list: SilenceRow[] = s ? s.alerts.listSilences(time.now) : [];
  s?.store.close();
  if (g.json) return { exitCode: 0, output: `${toSafeJson(list)}\n` };
  if (!list.length) return { exitCode: 0, output: 'no active silences\n' };
  return { exitCode: 0, output: `${list.map((x) => `#${x.id}  ${clean(x.matchers.map(formatMatcher).join(' '))}  until ${iso(x.endsAt - time.aheadMs)}  by ${clean(x.createdBy)}  ${clean(x.comment)}`).join('\n')}\n` };
}

export async function runSilenceExpire(g: GlobalOptions, idText: string): Promise<CommandRun> {
  const id = Number(idText.replace(/^#/, ''));
  if (!Number.isInteger(id) || id <= 0) throw new UsageError(`silence expire: not a silence id (got ${JSON.stringify(idText)})`);
  const s = (await openStores(g, true))!;
  try {
    if (!s.alerts.expireSilence(id, s.now())) throw new UsageError(`silence expire: no active silence #${id} (see \`mcp-hub-monitor silence list\`)`);
    return { exitCode: 0, output: `silence #${id} expired\n` };
  } finally {
    s.store.close();
  }
}

/** Sends a test notification through one configured receiver, once, and says what happened. */
export async function runNotifyTest(g: GlobalOptions, receiver: string): Promise<CommandRun> {
  const cfg = await loadConfig(g.configFile, g.configExplicit);
  const names = Object.keys(cfg.alerting.receivers);
  if (!names.includes(receiver)) throw new UsageError(`notify test: no receiver named ${JSON.stringify(receiver)} in ${cfg.file ?? 'the config'} (have: ${names.join(', ') || 'none'})`);
  const { buildNotifiers, NOTIFY_TIMEOUT_MS } = await import('../receivers.js');
  const quiet = { info() {}, warn() {}, error() {} };
  const notifier = (await buildNotifiers({ ...cfg, alerting: { ...cfg.alerting, receivers: { [receiver]: cfg.alerting.receivers[receiver]! } } }, quiet)).get(receiver)!;
  const now = Date.now();
  const d = await notifier.send({
    receiver, groupKey: '{test="true"}', groupLabels: { test: 'true' }, status: 'firing', dedupKey: `mcp-hub-monitor-test-${now}`, idempotencyKey: `mcp-hub-monitor-test-${now}`, test: true,
    alerts: [{ fingerprint: 'test', rule: 'notify.test', severity: 'info', status: 'firing', labels: { hub: 'test', rule: 'notify.test', severity: 'info' }, summary: `Test notification from mcp-hub-monitor to ${receiver}`, startsAt: now }],
  }, AbortSignal.timeout(NOTIFY_TIMEOUT_MS + 500));
  const text = d.kind === 'sent' ? `sent to ${receiver} (${notifier.channel})` : d.kind === 'skipped' ? `skipped: ${d.reason}` : `failed (${d.kind === 'retry' ? 'temporary' : 'permanent'}): ${d.error}`;
  return { exitCode: d.kind === 'sent' ? 0 : 2, output: `${clean(text)}\n` };
}
