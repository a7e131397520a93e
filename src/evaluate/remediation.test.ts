import { describe, expect, test } from 'vitest';
import { decideRemediation, type FiringAlert, type RemediationInput } from './remediation.js';
import { defaultConfig, type RemediationConfig } from '../config/defaults.js';
import { ManualClock } from '../model/clock.js';
import type { RemediationAttempt } from '../model/remediation.js';
import { compileWindows, inMaintenance, silencedBy } from '../alerts/mute.js';
import type { SilenceRow } from '../store/alert-store.js';

const HUB = 'http://127.0.0.1:7000';
const MIN = 60_000;

function cfgWith(over: Partial<RemediationConfig> = {}): RemediationConfig {
  const base = defaultConfig().remediation;
  return { ...base, enabled: true, ...over, restart_hub: { ...base.restart_hub, command: 'systemctl --user restart mcp-hub', ...over.restart_hub }, on_regression: { ...base.on_regression, command: ['./rollback.sh'], ...over.on_regression } };
}

function alert(rule: string, labels: Record<string, string>, value: string | null, firedAt: number, lastActiveAt = firedAt): FiringAlert {
  const all = { hub: HUB, ...labels, rule };
  return { rule, hub: HUB, labels: all, value, fingerprint: `${rule}:${labels.server ?? ''}`, firedAt, lastActiveAt, summary: `${labels.server ?? 'hub'}: ${value ?? 'down'}` };
}
const dead = (server: string, firedAt: number, lastActiveAt?: number) => alert('server.status', { server }, 'dead', firedAt, lastActiveAt);

/** A run of the decision over time: what it plans is "done" at once with `result`, as the job would record it. */
class World {
  readonly clock = new ManualClock();
  history: RemediationAttempt[] = [];
  firing: FiringAlert[] = [];
  hubsUnreachable = new Set<string>();
  mutedBy: RemediationInput['mutedBy'] = () => undefined;
  constructor(public cfg: RemediationConfig = cfgWith()) {}

  decide() {
    return decideRemediation({ firing: this.firing, history: this.history, hubsUnreachable: this.hubsUnreachable, mutedBy: this.mutedBy, cfg: this.cfg, now: this.clock.now() });
  }

  /** Decides and records what the job would: each run ends `result` after `tookMs`, each give-up is recorded. */
  step(result: RemediationAttempt['result'] = 'healed', tookMs = 1_000) {
    const plan = this.decide();
    const now = this.clock.now();
    for (const p of plan.run) {
      this.history.push({ action: p.action, hub: p.hub, ...(p.server ? { server: p.server } : {}), at: now, endedAt: p.dryRun ? now : now + tookMs, incident: p.incident, dryRun: p.dryRun, result: p.dryRun ? 'dry_run' : result, summary: `${p.action} ${p.server ?? p.hub}: ${result}` });
    }
    for (const g of plan.giveUps) {
      this.history.push({ action: g.action, hub: g.hub, ...(g.server ? { server: g.server } : {}), at: now, endedAt: now, incident: null, dryRun: g.dryRun, result: 'gave_up', summary: `gave up on ${g.server ?? g.hub}` });
    }
    return plan;
  }
}

describe('remediation decision', () => {
  test('a dead or hung server is healed; a disconnected one, a canary failure and a dead-but-disabled action are not', () => {
    const w = new World();
    const t = w.clock.now();
    w.firing = [dead('crashy', t), alert('server.probe', { server: 'frozen' }, 'hung', t), alert('server.status', { server: 'stopped' }, 'down', t), alert('canary.call', { server: 'x', tool: 'echo' }, 'tool_error', t)];
    expect(w.decide().run.map((r) => [r.action, r.server, r.trigger.rule])).toEqual([['heal_server', 'frozen', 'server.probe'], ['heal_server', 'crashy', 'server.status']]);
    w.cfg = cfgWith({ heal_servers: { ...w.cfg.heal_servers, enabled: false } });
    expect(w.decide().run).toEqual([]);
  });

  test('a server whose status and probe both fire is one target: one heal', () => {
    const w = new World();
    const t = w.clock.now();
    w.firing = [alert('server.probe', { server: 'crashy' }, 'dead', t + 5), dead('crashy', t)];
    const plan = w.decide();
    expect(plan.run).toHaveLength(1);
    expect(plan.run[0]).toMatchObject({ server: 'crashy', trigger: { rule: 'server.status' }, incident: `server.status:crashy@${t}` });
  });

  test('cool-down: after a heal, not again until its alert is seen failing after it ended, and not before the cool-down', async () => {
    const w = new World();
    w.firing = [dead('crashy', w.clock.now())];
    expect(w.step().run).toHaveLength(1);
    const endedAt = w.history[0]!.endedAt!;
    // The alert still fires, but nothing new since the heal ended: the polls are about to resolve it.
    await w.clock.advance(3_000);
    expect(w.step().held.map((h) => h.reason)).toEqual(['not seen failing since the last attempt ended']);
    // It died again (the alert failed after the heal ended): the cool-down (2m from the heal's start) holds it.
    w.firing = [dead('crashy', w.firing[0]!.firedAt, endedAt + 1_000)];
    await w.clock.advance(30_000);
    expect(w.step().held[0]!.reason).toMatch(/^cooling down until /);
    await w.clock.advance(2 * MIN - 33_000 - 1);
    expect(w.step().run).toEqual([]);
    await w.clock.advance(1);
    expect(w.step().run).toHaveLength(1);
  });

  test('rate limit: the limit\'s worth of heals in an hour, then one give-up (alert remediation.gave_up) that holds while the alert fires', async () => {
    const w = new World(cfgWith({ heal_servers: { ...defaultConfig().remediation.heal_servers, max_per_hour: 3, cooldown: MIN } }));
    const dies = () => { w.firing = [dead('crashy', w.clock.now())]; };
    for (let i = 0; i < 3; i++) {
      dies();
      expect(w.step().run).toHaveLength(1);
      await w.clock.advance(MIN);
    }
    dies();
    const plan = w.step();
    expect(plan.run).toEqual([]);
    expect(plan.giveUps.map((g) => [g.server, g.attempts])).toEqual([['crashy', 3]]);
    expect(plan.alerts.filter((a) => a.rule === 'remediation.gave_up').map((a) => [a.server, a.summary])).toEqual([['crashy', expect.stringMatching(/^healing server crashy: gave up after 3 attempts within an hour \(server\.status: crashy: dead\); a person must look$/)]]);
    // Long past the hour, the same alert still firing: it stays given up (and paging), never tried again.
    for (const ms of [MIN, 2 * 60 * MIN]) {
      await w.clock.advance(ms);
      w.firing = [dead('crashy', w.firing[0]!.firedAt, w.clock.now())];
      const again = w.step();
      expect(again.run).toEqual([]);
      expect(again.giveUps).toEqual([]);
      expect(again.held[0]!.reason).toMatch(/^gave up at .*: waiting for a person/);
      expect(again.alerts.map((a) => a.rule)).toEqual(['remediation.gave_up']);
    }
    // Someone fixed it (the alert resolved); when it dies again later, it is healed again.
    w.firing = [];
    expect(w.step().alerts).toEqual([]);
    await w.clock.advance(MIN);
    dies();
    expect(w.step().run).toHaveLength(1);
  });

  test('the limit counts the last hour only: a heal a day is never given up', async () => {
    const w = new World();
    for (let day = 0; day < 5; day++) {
      w.firing = [dead('crashy', w.clock.now())];
      expect(w.step().run).toHaveLength(1);
      await w.clock.advance(24 * 60 * MIN);
    }
  });

  test('never while a silence or a maintenance window covers the alert (the matchers of alerting)', async () => {
    const w = new World();
    const now = w.clock.now();
    w.firing = [dead('crashy', now), dead('other', now)];
    const silence: SilenceRow = { id: 7, matchers: [{ name: 'server', value: 'crashy', regex: false, negative: false }], startsAt: now - 1, endsAt: now + 10 * MIN, createdBy: 'me', comment: '', createdAt: now, expiredAt: null } as SilenceRow;
    w.mutedBy = (labels) => (silencedBy(labels, [silence], w.clock.now()) ? 'silence #7' : undefined);
    let plan = w.decide();
    expect(plan.run.map((r) => r.server)).toEqual(['other']);
    expect(plan.held).toEqual([expect.objectContaining({ server: 'crashy', reason: 'server.status is muted: silence #7' })]);
    await w.clock.advance(11 * MIN);
    expect(w.decide().run.map((r) => r.server)).toEqual(['crashy', 'other']);

    // A maintenance window over every server of the hub, from midnight for an hour.
    const windows = compileWindows([{ cron: '0 0 * * *', duration: 60 * MIN, matchers: [`hub=${HUB}`], comment: 'upgrade' }]);
    w.mutedBy = (labels) => (inMaintenance(labels, windows, w.clock.now()) ? 'maintenance' : undefined);
    plan = w.decide();
    expect(plan.run).toEqual([]);
    expect(plan.held.map((h) => h.reason)).toEqual(['server.status is muted: maintenance', 'server.status is muted: maintenance']);
    await w.clock.advance(50 * MIN);
    expect(w.decide().run.map((r) => r.server)).toEqual(['crashy', 'other']);
  });

  test('hub down: its servers wait, the hub command runs once per incident, not once per server', async () => {
    const w = new World();
    const t = w.clock.now();
    w.firing = [dead('a', t), dead('b', t), dead('c', t), alert('hub.reachable', {}, null, t + 2_000)];
    const plan = w.step('done');
    expect(plan.run.map((r) => r.action)).toEqual(['restart_hub']);
    expect(plan.held.map((h) => [h.server, h.reason])).toEqual([
      ['a', 'its hub is down (the hub comes first)'], ['b', 'its hub is down (the hub comes first)'], ['c', 'its hub is down (the hub comes first)'],
    ]);
    // The same incident (hub.reachable keeps firing 2 minutes after the hub answers again): never again.
    for (let i = 0; i < 10; i++) {
      await w.clock.advance(MIN);
      const again = w.step('done');
      expect(again.run).toEqual([]);
      expect(again.held.find((h) => h.action === 'restart_hub')?.reason).toBe('already acted on this incident');
    }
    // A new incident later: once more (the cool-down of 5 minutes has passed).
    w.firing = [alert('hub.reachable', {}, null, w.clock.now())];
    expect(w.step('done').run.map((r) => r.action)).toEqual(['restart_hub']);
    // A hub whose last poll failed before hub.reachable is confirmed: its servers wait too.
    w.firing = [dead('a', w.clock.now())];
    w.hubsUnreachable = new Set([HUB]);
    expect(w.decide().held.map((h) => h.reason)).toEqual(['its hub is down (the hub comes first)']);
    w.hubsUnreachable = new Set();
    expect(w.decide().run.map((r) => r.server)).toEqual(['a']);
  });

  test('a confirmed regression runs its command once per incident of a hub, whatever the number of regressed series', async () => {
    const w = new World();
    const t = w.clock.now();
    w.firing = [alert('baseline.regression', { subject: 'health' }, '40', t), { ...alert('baseline.regression', { subject: 'crashy' }, '25', t + 1), fingerprint: 'other' }];
    expect(w.step('done').run.map((r) => [r.action, r.incident])).toEqual([['on_regression', `baseline.regression:@${t}`]]);
    await w.clock.advance(2 * 60 * MIN);
    expect(w.step('done').run).toEqual([]);
    w.cfg = cfgWith({ on_regression: { ...w.cfg.on_regression, command: '' } });
    w.firing = [alert('baseline.regression', { subject: 'health' }, '40', w.clock.now())];
    expect(w.decide()).toMatchObject({ run: [], held: [] });
  });

  test('an attempt still running holds its target', () => {
    const w = new World();
    const now = w.clock.now();
    w.firing = [dead('crashy', now - 10_000, now)];
    w.history = [{ action: 'heal_server', hub: HUB, server: 'crashy', at: now - 5_000, endedAt: null, incident: null, dryRun: false, result: 'running', summary: '' }];
    expect(w.decide().held.map((h) => h.reason)).toEqual(['an attempt is running']);
  });

  test('the last outcome fires as remediation.action for a minute after it ended, and while its trouble lasts', async () => {
    const w = new World();
    w.firing = [dead('crashy', w.clock.now())];
    w.step('failed', 1_000);
    const firing = [{ rule: 'remediation.action', action: 'heal_server', hub: HUB, server: 'crashy', summary: 'heal_server crashy: failed' }];
    expect(w.decide().alerts).toEqual(firing);
    // Still dead long after: the outcome of the attempt on this trouble still fires.
    await w.clock.advance(10 * MIN);
    expect(w.decide().alerts).toEqual(firing);
    // Fine again (its alert resolved): a minute after the outcome ended, it no longer fires.
    w.firing = [];
    expect(w.decide().alerts).toEqual([]);

    const quick = new World();
    quick.firing = [dead('crashy', quick.clock.now())];
    quick.step('healed', 500);
    quick.firing = []; // healed at once: its alert resolved before the next pass
    await quick.clock.advance(60_500 - 1);
    expect(quick.decide().alerts.map((a) => a.summary)).toEqual(['heal_server crashy: healed']);
    await quick.clock.advance(1);
    expect(quick.decide().alerts).toEqual([]);
  });

  test('dry run: the same decisions, recorded as dry runs, no alerts; and a dry run\'s history does not count once it is off', async () => {
    const w = new World(cfgWith({ dry_run: true, heal_servers: { ...defaultConfig().remediation.heal_servers, max_per_hour: 2, cooldown: MIN } }));
    const seen = [];
    const firedAt = w.clock.now();
    for (let i = 0; i < 4; i++) {
      w.firing = [dead('crashy', firedAt, w.clock.now())];
      const plan = w.step();
      seen.push([plan.run.map((r) => r.dryRun), plan.giveUps.map((g) => g.dryRun), plan.alerts]);
      await w.clock.advance(MIN);
    }
    expect(seen).toEqual([[[true], [], []], [[true], [], []], [[], [true], []], [[], [], []]]);
    expect(w.history.map((r) => r.result)).toEqual(['dry_run', 'dry_run', 'gave_up']);
    w.cfg = { ...w.cfg, dry_run: false };
    expect(w.decide().run.map((r) => [r.server, r.dryRun])).toEqual([['crashy', false]]);
  });
});
