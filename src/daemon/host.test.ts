import { describe, expect, test } from 'vitest';
import { defaultConfig, type MonitorConfig } from '../config/defaults.js';
import type { RuleResult } from '../alerts/lifecycle.js';
import type { RunningDaemon } from './daemon.js';
import { DaemonHost, type HostDeps, type ResolvedConfig } from './host.js';
import { readReloadStatus } from './reload-status.js';
import { tempDir } from '../../test/support/temp-dir.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as HostDeps['log'];

interface FakeRun { cfg: MonitorConfig; resumedRun?: number; stoppedWith?: { endRun?: boolean }; observed: RuleResult[]; written: { type: string }[] }

/** A host over fake runs: what each start got, and what each run was told. */
function harness(opts: { startFails?: (cfg: MonitorConfig) => boolean } = {}) {
  const stateDir = tempDir('mhm-host-');
  const runs: FakeRun[] = [];
  let next: () => Promise<ResolvedConfig> = async () => ({ cfg: defaultConfig(), targets: [] });
  let t = 1_000;
  const deps: HostDeps = {
    resolve: () => next(),
    buildNotifiers: async () => new Map(),
    start: (o) => {
      if (opts.startFails?.(o.cfg)) throw new Error('cannot start that');
      const run: FakeRun = { cfg: o.cfg, resumedRun: o.resume?.run.runId, observed: [], written: [] };
      runs.push(run);
      // The run's public interface, all the host may use.
      const fake: Pick<RunningDaemon, 'handover' | 'noteConfigLoad' | 'record' | 'stop'> = {
        handover: () => ({ run: { runId: 7, startedAt: 500, cleanStart: true, recorded: true } }) as ReturnType<RunningDaemon['handover']>,
        noteConfigLoad: (error) => { run.observed.push({ rule: 'config.reload', labels: {}, status: error === undefined ? 'ok' : 'warning', summary: error ?? '' }); },
        record: (events) => { run.written.push(...events); },
        stop: async (s) => { run.stoppedWith = s ?? {}; },
      };
      return fake as RunningDaemon;
    },
    stateDir, log: silent, now: () => (t += 1_000),
  };
  return { deps, runs, stateDir, setNext: (f: typeof next) => { next = f; } };
}

const withInterval = (ms: number): ResolvedConfig => {
  const cfg = defaultConfig();
  cfg.collect.interval = ms;
  return { cfg, targets: [] };
};

describe('DaemonHost', () => {
  test('a good reload resumes the same run with the new config and clears config.reload', async () => {
    const h = harness();
    const host = await DaemonHost.start(h.deps, withInterval(5_000));
    expect(h.runs[0]!.observed.map((r) => [r.rule, r.status])).toEqual([['config.reload', 'ok']]);
    h.setNext(async () => withInterval(9_000));
    expect(await host.reload()).toEqual({ ok: true, needsRestart: [] });
    expect(h.runs[0]!.stoppedWith).toEqual({ endRun: false });
    expect(h.runs[1]).toMatchObject({ resumedRun: 7 });
    expect(host.cfg.collect.interval).toBe(9_000);
    expect(readReloadStatus(h.stateDir)).toMatchObject({ ok: true });
    expect(h.runs[1]!.written.map((e) => e.type)).toEqual(['config_reloaded']);
  });

  test('a config that does not load keeps the running one, and says so in the status file, an event and the alert', async () => {
    const h = harness();
    const host = await DaemonHost.start(h.deps, withInterval(5_000));
    h.setNext(async () => { throw new Error('config.yaml: collect.interval: not a duration'); });
    const r = await host.reload();
    expect(r).toMatchObject({ ok: false, error: 'config.yaml: collect.interval: not a duration' });
    expect(h.runs).toHaveLength(1);
    expect(h.runs[0]!.stoppedWith).toBeUndefined();
    expect(h.runs[0]!.observed.at(-1)).toMatchObject({ rule: 'config.reload', status: 'warning' });
    expect(h.runs[0]!.written.map((e) => e.type)).toEqual(['config_reload_failed']);
    const s = readReloadStatus(h.stateDir)!;
    expect(s.ok).toBe(false);
    expect(s.lastSuccessAt).toBeLessThan(s.at);
    expect(host.cfg.collect.interval).toBe(5_000);
  });

  test('a config the schema accepts but that cannot start: the previous config runs again, reported as failed', async () => {
    const h = harness({ startFails: (cfg) => cfg.collect.interval === 9_000 });
    const host = await DaemonHost.start(h.deps, withInterval(5_000));
    h.setNext(async () => withInterval(9_000));
    const r = await host.reload();
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/did not start: cannot start that/);
    expect(h.runs.map((x) => x.cfg.collect.interval)).toEqual([5_000, 5_000]);
    expect(h.runs[1]!.resumedRun).toBe(7);
    expect(host.cfg.collect.interval).toBe(5_000);
  });

  test('http changes are reported as needing a restart; reloads run one at a time, in order', async () => {
    const h = harness();
    const host = await DaemonHost.start(h.deps, withInterval(5_000));
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const changed = withInterval(6_000);
    changed.cfg.http.listen = '127.0.0.1:9464';
    h.setNext(async () => { await gate; return changed; });
    const first = host.reload();
    const second = host.reload();
    release();
    expect(await first).toEqual({ ok: true, needsRestart: ['http'] });
    expect(await second).toEqual({ ok: true, needsRestart: [] }); // compared with the first reload's config
    expect(h.runs).toHaveLength(3);
    await host.stop();
    expect(h.runs[2]!.stoppedWith).toEqual({});
    expect(await host.reload()).toMatchObject({ ok: false, error: 'the daemon is stopping' });
  });
});
