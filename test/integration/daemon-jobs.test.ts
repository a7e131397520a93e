/** The daemon's scheduled jobs run the real commands and store their verdicts as events. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runJob } from '../../src/daemon/cron-commands.js';
import type { EventRow } from '../../src/daemon/observations.js';
import { startFakeHub, type FakeHub } from '../support/fake-hub.js';
import { CLI_PATH, runCli } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

let hub: FakeHub;
beforeAll(async () => { hub = await startFakeHub(); });
afterAll(async () => { await hub.close(); });

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

test('a validate job runs the real command and records a job_result with the checks that were not OK', async () => {
  const recorded: EventRow[] = [];
  const events = await runJob('validate', {
    cliArgv: [process.execPath, CLI_PATH],
    globalArgs: ['--hub', hub.url, '--state-dir', tempDir('mhm-job-')],
    record: (e) => recorded.push(...e), log: quiet, now: Date.now,
  });
  expect(recorded).toEqual(events);
  expect(events).toHaveLength(1);
  const data = events[0]!.data as { job: string; status: string; exitCode: number; problems: { id: string; subject?: string }[] };
  expect(events[0]).toMatchObject({ hub: hub.url, type: 'job_result' });
  // The default fake hub serves the captured health: two servers (broken, missing-binary) are down.
  expect(data).toMatchObject({ job: 'validate', status: 'warning', exitCode: 1 });
  expect(data.problems.filter((p) => p.id === 'server.status').map((p) => p.subject).sort()).toEqual(['broken', 'missing-binary']);
});

test('a job whose command cannot run is recorded as unknown with the reason, and never throws', async () => {
  const events = await runJob('anomalies', {
    cliArgv: [process.execPath, CLI_PATH], globalArgs: ['--hub', 'not a url'],
    record: () => {}, log: quiet, now: Date.now,
  });
  expect(events[0]).toMatchObject({ type: 'job_result', data: { job: 'anomalies', status: 'unknown', exitCode: 3 } });
  expect((events[0]!.data as { error: string }).error).toContain('--hub');
});

test('an invalid cron pattern in the config is an error naming the key', async () => {
  const dir = tempDir('mhm-cron-');
  writeFileSync(join(dir, 'config.yaml'), 'schedule:\n  anomalies: "61 * * * *"\n');
  const run = await runCli(['check', '--config', join(dir, 'config.yaml'), '--hub', hub.url]);
  expect(run.code).toBe(3);
  expect(run.stderr).toMatch(/schedule\.anomalies: not a cron pattern \(got "61 \* \* \* \*"\)/);
});

test('the daily summary job writes the report into <state>/reports and records ok', async () => {
  const { seedStore, END } = await import('../support/seeded-store.js');
  const { existsSync, readFileSync } = await import('node:fs');
  const seeded = seedStore();
  try {
    const { scheduledJobs } = await import('../../src/daemon/cron-commands.js');
    const spec = scheduledJobs({ summary: '0 7 * * *' }).find((j) => j.name === 'summary')!;
    const events = await runJob(spec.name, {
      cliArgv: [process.execPath, CLI_PATH], globalArgs: ['--state-dir', seeded.stateDir, '--at', new Date(END).toISOString()],
      record: () => {}, log: quiet, now: Date.now,
    }, spec.args);
    expect(events[0]).toMatchObject({ type: 'job_result', data: { job: 'summary', status: 'ok', exitCode: 0 } });
    const path = /wrote (\S+\.md)/.exec((events[0]!.data as { output: string }).output)![1]!;
    expect(path.startsWith(join(seeded.stateDir, 'reports'))).toBe(true);
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path, 'utf8')).toMatch(/availability/);
  } finally {
    seeded.cleanup();
  }
});
