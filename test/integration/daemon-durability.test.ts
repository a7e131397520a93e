/**
 * Durability (faults B6): SIGKILL the daemon at random moments while it writes, 20 times. Every sample a
 * reader saw committed before a kill survives it, the database passes integrity_check each time, each kill
 * leaves a gap and an unclean start, and the next daemon polls within 5 s of starting.
 */
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startFakeHub, type FakeHub } from '../support/fake-hub.js';
import { CLI_PATH, isolatedEnv, runCli } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';
import { historyDbPath } from '../../src/config/paths.js';

let hub: FakeHub;
beforeAll(async () => { hub = await startFakeHub(); });
afterAll(async () => { await hub.close(); });

function read<T>(state: string, fn: (db: Database.Database) => T): T | undefined {
  try {
    const db = new Database(historyDbPath(state), { readonly: true, fileMustExist: true });
    try { return fn(db); } finally { db.close(); }
  } catch {
    return undefined;
  }
}

const sampleKeys = (db: Database.Database) => db.prepare('SELECT series_id || \':\' || t AS k FROM samples').all().map((r) => (r as { k: string }).k);

test('20 SIGKILLs at random moments: nothing acknowledged is lost, integrity holds, every kill is a gap, restart polls within 5 s', async () => {
  const state = tempDir('mhm-durable-');
  const env = isolatedEnv();
  let acknowledged = new Set<string>();
  const restartLatencies: number[] = [];
  for (let round = 0; round < 20; round++) {
    const before = read(state, (db) => (db.prepare('SELECT max(t) AS t FROM samples').get() as { t: number | null }).t) ?? 0;
    const started = Date.now();
    const daemon = spawn(process.execPath, [CLI_PATH, 'daemon', '--state-dir', state, '--hub', hub.url, '--interval', '1s', '--no-sse'], { env, stdio: 'ignore' });
    // Wait for this run's first committed poll: that is "polls within 5 s".
    for (;;) {
      const latest = read(state, (db) => (db.prepare('SELECT max(t) AS t FROM samples').get() as { t: number | null }).t) ?? 0;
      if (latest > before && latest >= started - 50) break;
      if (Date.now() - started > 10_000) throw new Error(`round ${round}: no poll within 10 s`);
      await new Promise((r) => setTimeout(r, 25));
    }
    restartLatencies.push(Date.now() - started);
    // Let it write for a random while, take what a reader sees as committed, then kill at once.
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1_500)));
    acknowledged = new Set(read(state, sampleKeys) ?? []);
    daemon.kill('SIGKILL');
    await new Promise((r) => daemon.once('exit', r));
    const after = new Set(read(state, sampleKeys) ?? []);
    const lost = [...acknowledged].filter((k) => !after.has(k));
    expect(lost, `round ${round}`).toEqual([]);
    expect(read(state, (db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');
  }
  const runs = read(state, (db) => db.prepare('SELECT clean_start, stopped_at FROM runs ORDER BY id').all() as { clean_start: number; stopped_at: number | null }[])!;
  expect(runs).toHaveLength(20);
  expect(runs.slice(1).every((r) => r.clean_start === 0)).toBe(true); // each start after a kill is unclean
  expect(runs.every((r) => r.stopped_at === null)).toBe(true);
  expect(Math.max(...restartLatencies)).toBeLessThan(5_000);
  // Each kill left a gap: from the last committed row of a run to the next start (and the last run to now).
  const status = await runCli(['status', '--state-dir', state, '--json'], env);
  expect((JSON.parse(status.stdout) as { gaps: unknown[] }).gaps.length).toBeGreaterThanOrEqual(20);
}, 180_000);
