import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { ManualClock } from '../model/clock.js';
import { RETRY_CAP_MS, StoreHealth } from './store-health.js';
import { readStoreWriteStatus, STORE_WRITE_FILE } from './store-write-status.js';
import { historyDbPath } from '../config/paths.js';

const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

function setup() {
  const clock = new ManualClock();
  const stateDir = tempDir('mhm-health-');
  const logged: { level: string; msg: string }[] = [];
  const log = {
    info: (_o: object, msg?: string) => logged.push({ level: 'info', msg: msg ?? '' }),
    warn: (_o: object, msg?: string) => logged.push({ level: 'warn', msg: msg ?? '' }),
    error: (_o: object, msg?: string) => logged.push({ level: 'error', msg: msg ?? '' }),
  };
  let reclaims = 0;
  const health = new StoreHealth({ dbPath: historyDbPath(stateDir), stateDir, clock, log, lastSuccessAt: clock.now() - 60_000 });
  health.reclaim = () => { reclaims++; };
  return { clock, stateDir, logged, health, reclaims: () => reclaims };
}

test('a refusal starts an episode said once (disk full at PATH), noted beside the store; the next success ends it and calls onRecovered', async () => {
  const { clock, stateDir, logged, health } = setup();
  expect(health.attempt(() => 1)).toEqual({ ok: true, value: 1 });
  expect(readStoreWriteStatus(stateDir)).toMatchObject({ lastWriteAt: clock.now() });
  const lastOk = clock.now();

  await clock.advance(5_000);
  expect(health.attempt(() => { throw full(); })).toEqual({ ok: false });
  expect(health.failing).toBe(true);
  expect(health.failures).toBe(1);
  expect(health.describe()).toMatch(/^disk full at .*history\.sqlite since .* \(SQLITE_FULL: database or disk is full\); free space on its volume/);
  expect(readStoreWriteStatus(stateDir)).toEqual({ lastWriteAt: lastOk, failingSince: clock.now(), error: 'SQLITE_FULL: database or disk is full', pid: process.pid });
  // The note is padded to a fixed size: a full disk can still overwrite it in place.
  expect(readFileSync(join(stateDir, STORE_WRITE_FILE)).length).toBe(1_024);
  for (let i = 0; i < 5; i++) {
    await clock.advance(RETRY_CAP_MS);
    health.attempt(() => { throw full(); });
  }
  expect(logged.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([expect.stringMatching(/^disk full at .*history\.sqlite: keeping new rows in memory/)]);

  let recovered = 0;
  health.onRecovered = () => { recovered++; };
  await clock.advance(RETRY_CAP_MS);
  expect(health.attempt(() => 'stored')).toEqual({ ok: true, value: 'stored' });
  expect(health.failing).toBe(false);
  expect(recovered).toBe(0); // not inside the write that succeeded
  await Promise.resolve();
  expect(recovered).toBe(1);
  expect(readStoreWriteStatus(stateDir)).toEqual({ lastWriteAt: clock.now(), pid: process.pid });
  expect(health.lastSuccessAt).toBe(clock.now());
});

test('while failing, writes wait for the retry time (1 s doubling to 5 s); each refusal for space, and each retry, first lets SQLite reclaim its -wal', async () => {
  const { clock, health, reclaims } = setup();
  const tried: number[] = [];
  const attempt = () => health.attempt(() => { tried.push(clock.monotonic()); throw full(); });
  attempt();
  for (let t = 0; t < 40_000; t += 250) {
    await clock.advance(250);
    attempt();
  }
  expect(tried).toEqual([0, 1_000, 3_000, 7_000, 12_000, 17_000, 22_000, 27_000, 32_000, 37_000]);
  expect(reclaims()).toBe(2 * tried.length - 1); // at each refusal, and before each retry
});

test('a busy store is retried but not checkpointed: a checkpoint cannot help it', async () => {
  const { clock, health, reclaims } = setup();
  const busy = () => { throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }); };
  health.attempt(busy);
  await clock.advance(1_000);
  health.attempt(busy);
  expect(health.failures).toBe(2);
  expect(health.describe()).toMatch(/^cannot write .* \(SQLITE_BUSY: database is locked\)$/);
  expect(reclaims()).toBe(0);
});

test('an error that is not the store refusing (a bug) is thrown, not counted', () => {
  const { health } = setup();
  expect(() => health.attempt(() => { throw new TypeError('bad row'); })).toThrow('bad row');
  expect(health.failing).toBe(false);
  expect(health.failures).toBe(0);
});
