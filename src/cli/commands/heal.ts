/**
 * `heal <server>`: what remediation does to a dead or hung server, by hand — stop and start it through the
 * hub's API, then probe it — with the same verification and the same audit event in the history (who:
 * `heal command` and the user). `--dry-run` says what it would do, records that, and changes nothing.
 * Exit 0 healed and verified, 2 failed, 3 a usage error (an unknown server lists the hub's servers).
 */
import { userInfo } from 'node:os';
import { UsageError } from '../../errors.js';
import { toSafeJson } from '../../views/json.js';
import { sanitizeTerminal as clean } from '../../views/sanitize.js';
import type { NewEvent } from '../../model/events.js';
import type { GlobalOptions } from '../global-options.js';
import type { CommandRun } from '../render-result.js';

const who = () => { try { return `heal command (user ${userInfo().username})`; } catch { return 'heal command'; } };

/** Stores the audit event in the state dir's history (beside a running daemon: WAL and the busy timeout make that safe); why it could not, if so. */
async function recordAudit(stateDir: string, event: (now: number) => NewEvent): Promise<string | undefined> {
  try {
    const { ensureStateDir } = await import('../../store/files.js');
    const { Store } = await import('../../store/store.js');
    const { storeTime } = await import('../../store/store-time.js');
    ensureStateDir(stateDir, {});
    const store = Store.open({ stateDir, readOnly: false, quickCheck: false });
    try {
      // On the daemon's time line, which runs ahead of the wall clock after a step back.
      store.insertEvents([event(storeTime(store, Date.now()).now)]);
    } finally {
      store.close();
    }
    return undefined;
  } catch (err) {
    return (err as Error).message ?? String(err);
  }
}

export async function runHeal(g: GlobalOptions, server: string, opts: { dryRun: boolean }): Promise<CommandRun> {
  const { loadConfig } = await import('../../config/load.js');
  const { discoverHubs } = await import('../../sources/discovery.js');
  const cfg = await loadConfig(g.configFile, g.configExplicit);
  let hubs: string[];
  try {
    hubs = discoverHubs({ flagHubs: g.hubs, configHubs: cfg.hubs, env: process.env, stateDir: g.stateDir }).map((t) => t.url);
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  if (hubs.length !== 1) throw new UsageError(`heal: ${hubs.length} hubs are watched (${hubs.map((h) => clean(h)).join(', ')}); name the server's with --hub URL`);
  const hub = hubs[0]!;
  const timeoutMs = g.timeoutMs ?? cfg.remediation.heal_servers.timeout;
  const { createHubAgent } = await import('../../sources/http-get.js');
  const { serverNames } = await import('../../sources/hub-control.js');
  const { auditEvent, healServer, wouldDo } = await import('../../daemon/remediate.js');
  const { systemClock } = await import('../../model/clock.js');
  const agent = createHubAgent();
  try {
    const audit = { action: 'heal_server' as const, hub, server, why: 'asked by hand', who: who(), dryRun: opts.dryRun };
    const names = await serverNames(hub, { timeoutMs, agent });
    let outcome: { result: 'healed' | 'failed' | 'done' | 'dry_run'; detail: string; durationMs?: number };
    if (!names.ok) outcome = { result: 'failed', detail: `cannot read the hub's servers: ${names.error}` };
    else if (!names.names.includes(server)) {
      const known = names.names.length ? names.names.map((n) => clean(n, 64)).join(', ') : 'none';
      throw new UsageError(`heal: no server ${clean(JSON.stringify(server), 80)} on ${clean(hub)}. Its servers: ${known}`);
    } else if (opts.dryRun) outcome = { result: 'dry_run', detail: wouldDo('heal_server') };
    else outcome = await healServer(hub, server, { timeoutMs, clock: systemClock, agent });
    const notStored = await recordAudit(g.stateDir, (t) => auditEvent({ ...audit, t, result: outcome.result, detail: outcome.detail, ...(outcome.durationMs !== undefined ? { durationMs: outcome.durationMs } : {}) }));
    const exitCode = outcome.result === 'failed' ? 2 : 0;
    if (g.json) return { exitCode, output: `${toSafeJson({ hub, server, dryRun: opts.dryRun, ...outcome, recorded: notStored === undefined, recordError: notStored ?? null })}\n` };
    const head = outcome.result === 'healed' ? 'healed' : outcome.result === 'dry_run' ? 'nothing changed' : 'heal FAILED';
    const lines = [`${clean(server, 64)} on ${clean(hub)}: ${head}: ${clean(outcome.detail, 500)}`];
    lines.push(notStored === undefined ? 'recorded in the history (history --events remediation)' : `warning: not recorded in the history: ${clean(notStored, 300)}`);
    return { exitCode, output: `${lines.join('\n')}\n` };
  } finally {
    agent.destroy();
  }
}
