/**
 * remediation.on_regression against the real mcp-hub 4.2.1, the daemon as a real child process: a pinned
 * baseline far faster than any real round trip makes every live window a regression, `baseline.regression`
 * fires, and the user's command runs exactly once for that incident (it writes the MHM_* environment it was
 * given to a file); the audit event is stored and shown by `history --events` and `status`. With dry_run
 * the command never runs and the audit says what it would have run.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { everythingServer, launchHub, type RunningHub } from '../../src/demo/hub-launcher.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, storedEvents, waitForEvent, waitForPolls, waitForStored, type StoredEvent } from '../support/daemon-process.js';
import { FAST_BASELINE, pinBaseline } from '../support/pinned-baseline.js';
import { tempDir } from '../support/temp-dir.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Remediation { action: string; target: string; result: string; dryRun: boolean; who: string; why: string; rule?: string; detail?: string }
const remediations = (state: string): (StoredEvent & { d: Remediation })[] => storedEvents(state).filter((e) => e.type === 'remediation').map((e) => ({ ...e, d: JSON.parse(e.data!) as Remediation }));
const isRegressionFiring = (e: StoredEvent) => e.type === 'alert_firing' && (JSON.parse(e.data!) as { rule?: string }).rule === 'baseline.regression';

/** A daemon on `hub` (no probes: the polls' health latency is what regresses) with its baseline pinned far too fast. */
async function regressingDaemon(hub: RunningHub, remediation: string[]): Promise<{ state: string; config: string }> {
  const state = stateDir();
  await pinBaseline(state, hub.url, FAST_BASELINE);
  const config = join(state, 'config.yaml');
  writeFileSync(config, ['regression:', '  window: 1m', '  interval: 2s', 'probes:', '  enabled: false', 'remediation:', '  enabled: true', ...remediation].join('\n'));
  startDaemonProcess(hub, state, ['--config', config, '--no-sse'], cleanups);
  return { state, config };
}

/** The command: one line per run, with the environment the daemon gave it. */
const recordingCommand = (file: string) => `  on_regression: { command: 'printf "%s|%s|%s|%s\\n" "$MHM_ACTION" "$MHM_HUB" "$MHM_RULE" "$MHM_REASON" >> ${file}' }`;

test('a confirmed baseline.regression runs the on_regression command once, with the hub and rule in its environment; the audit is stored and shown', async () => {
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  cleanups.push(() => hub.stop());
  const out = join(tempDir('mhm-on-regression-'), 'runs.txt');
  const { state, config } = await regressingDaemon(hub, [recordingCommand(out)]);

  const fired = await waitForEvent(state, isRegressionFiring, 30_000);
  const done = await waitForStored(() => remediations(state), (e) => e.d.action === 'on_regression', 'the on_regression audit', 20_000);
  expect(done.t).toBeGreaterThanOrEqual(fired.t);
  expect(done.d).toMatchObject({ action: 'on_regression', target: hub.url, result: 'done', dryRun: false, rule: 'baseline.regression', who: 'rule baseline.regression', detail: 'the command exited 0' });
  expect(done.d.why).toMatch(/^health: health latency slower than the pinned baseline/);
  const [action, hubUrl, rule, reason] = readFileSync(out, 'utf8').trimEnd().split('|');
  expect([action, hubUrl, rule]).toEqual(['on_regression', hub.url, 'baseline.regression']);
  expect(reason).toBe(done.d.why);

  // The regression stays (every window is slower than the baseline): more evaluations, no second run.
  await waitForPolls(state, 6);
  expect(storedEvents(state).filter(isRegressionFiring)).toHaveLength(1);
  expect(readFileSync(out, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
  expect(remediations(state).map((e) => [e.d.action, e.d.result])).toEqual([['on_regression', 'done']]);

  // The audit everywhere: history --events, status.
  const env = isolatedEnv();
  const history = await runCli(['history', '--state-dir', state, '--events', 'remediation', '--format', 'json'], env);
  const rows = (JSON.parse(history.stdout) as { events: { hub: string; data: Remediation }[] }).events;
  expect(rows.map((r) => [r.hub, r.data.action, r.data.target, r.data.result, r.data.dryRun, r.data.rule])).toEqual([[hub.url, 'on_regression', hub.url, 'done', false, 'baseline.regression']]);
  const status = await runCli(['status', '--state-dir', state, '--config', config], env);
  expect(status.stdout).toContain('remediation: enabled, last action in 24 h:\n');
  expect(status.stdout).toMatch(new RegExp(`\\n  \\S+ on_regression ${hub.url.replace(/[.:/]/g, '\\$&')} done: the command exited 0  \\[rule baseline\\.regression\\]\\n`));
}, 90_000);

test('dry run: the regression is recorded as what the command would be, and the command never runs', async () => {
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  cleanups.push(() => hub.stop());
  const out = join(tempDir('mhm-on-regression-'), 'runs.txt');
  const { state, config } = await regressingDaemon(hub, ['  dry_run: true', recordingCommand(out)]);

  await waitForEvent(state, isRegressionFiring, 30_000);
  const decided = await waitForStored(() => remediations(state), (e) => e.d.action === 'on_regression', 'the dry run\'s audit', 20_000);
  expect(decided.d).toMatchObject({ action: 'on_regression', target: hub.url, result: 'dry_run', dryRun: true, rule: 'baseline.regression' });
  expect(decided.d.detail).toMatch(/^dry run: would run "sh -c printf /);
  await waitForPolls(state, 6);
  expect(existsSync(out)).toBe(false);
  expect(remediations(state).map((e) => [e.d.action, e.d.result])).toEqual([['on_regression', 'dry_run']]);

  const env = isolatedEnv();
  const history = await runCli(['history', '--state-dir', state, '--events', 'remediation', '--format', 'json'], env);
  expect((JSON.parse(history.stdout) as { events: { data: Remediation }[] }).events.map((r) => [r.data.result, r.data.dryRun])).toEqual([['dry_run', true]]);
  const status = await runCli(['status', '--state-dir', state, '--config', config], env);
  expect(status.stdout).toContain('remediation: enabled (dry run: records, changes nothing), last action in 24 h:\n');
  expect(status.stdout).toMatch(new RegExp(`\\n  \\S+ on_regression ${hub.url.replace(/[.:/]/g, '\\$&')} dry_run \\(dry run\\): dry run: would run `));
}, 90_000);
