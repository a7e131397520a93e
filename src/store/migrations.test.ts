import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, test } from 'vitest';
import { StoreError } from '../errors.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, schemaVersion, type Migration } from './migrations.js';
import { Store } from './store.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const NODE_MODULES = join(HERE, '..', '..', 'node_modules');
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function tempRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'store-migrate-'));
  roots.push(r);
  return r;
}

/** A test-only next version: reshapes existing rows, so a half-applied run would be visible. */
const V2: Migration = {
  version: LATEST_SCHEMA_VERSION + 1,
  name: 'test: add a column and rewrite every sample',
  up(db) {
    db.exec('ALTER TABLE samples ADD COLUMN note TEXT');
    db.exec("UPDATE samples SET v = v * 2, note = 'doubled'");
    db.exec('CREATE TABLE extra (k INTEGER PRIMARY KEY, x TEXT)');
    db.prepare("INSERT INTO extra (x) SELECT 'row' FROM samples").run();
  },
};
// The child builds V2 itself from this source, so parent and child run the very same migration.
const V2_SOURCE = `{ version: ${LATEST_SCHEMA_VERSION + 1}, name: 'test', up(db) {
  db.exec('ALTER TABLE samples ADD COLUMN note TEXT');
  db.exec("UPDATE samples SET v = v * 2, note = 'doubled'");
  db.exec('CREATE TABLE extra (k INTEGER PRIMARY KEY, x TEXT)');
  db.prepare("INSERT INTO extra (x) SELECT 'row' FROM samples").run();
} }`;

/** Runs a child that opens the store with `withV2` migrations and stops inside the last one's transaction; SIGKILLs it there. */
async function killInsideMigration(stateDir: string, withV2: boolean): Promise<void> {
  const script = join(tempRoot(), 'migrator.cjs');
  buildSync({
    stdin: {
      contents: `import { Store } from './store.js';
        import { MIGRATIONS } from './migrations.js';
        const migrations = ${withV2 ? `[...MIGRATIONS, ${V2_SOURCE}]` : 'MIGRATIONS'};
        Store.open({ stateDir: process.argv[2], migrations, migrateHooks: { beforeCommit(m) {
          if (m.version !== migrations.length) return;
          require('node:fs').writeSync(1, 'inside ' + m.version + '\\n');
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000); // hold the transaction open
        } } });`,
      resolveDir: HERE, loader: 'ts', sourcefile: 'migrator.ts',
    },
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: script, external: ['better-sqlite3'], logLevel: 'error',
  });
  const child = spawn(process.execPath, [script, stateDir], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_PATH: NODE_MODULES } });
  const line = await new Promise<string>((res, rej) => {
    child.stdout.once('data', (d: Buffer) => res(d.toString().trim()));
    child.once('exit', (code) => rej(new Error(`migrator exited ${code} before its migration`)));
  });
  expect(line).toBe(`inside ${withV2 ? LATEST_SCHEMA_VERSION + 1 : LATEST_SCHEMA_VERSION}`);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

describe('migrate', () => {
  test('a new database goes to the latest version; running again is a no-op', () => {
    const db = new Database(':memory:');
    expect(migrate(db, ':memory:')).toEqual({ from: 0, to: LATEST_SCHEMA_VERSION });
    expect(migrate(db, ':memory:')).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
  });

  test('a failing migration rolls back whole: no table of it, version unchanged', () => {
    const db = new Database(':memory:');
    migrate(db, ':memory:');
    const broken: Migration = { version: LATEST_SCHEMA_VERSION + 1, name: 'broken', up: (d) => { d.exec('CREATE TABLE half (x)'); d.exec('SELECT * FROM missing_table'); } };
    expect(() => migrate(db, ':memory:', [...MIGRATIONS, broken])).toThrow(/missing_table/);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
  });

  test('a database from a newer program is refused with STORE_SCHEMA_NEWER', () => {
    const db = new Database(':memory:');
    db.pragma('user_version = 99');
    expect(() => migrate(db, '/x/history.sqlite')).toThrow(StoreError);
    expect(() => migrate(db, '/x/history.sqlite')).toThrow(/schema version 99 is newer .*Upgrade/);
  });

  test('v3: a failed poll stored by an older version (hub.up NULL with an error) becomes 0, in samples and rollups', () => {
    const db = new Database(':memory:');
    migrate(db, ':memory:', MIGRATIONS.slice(0, 2));
    db.exec(`INSERT INTO series (id, hub, name, labels) VALUES (1, 'h', 'hub.up', ''), (2, 'h', 'server.probe_ok', 'server=a');
      INSERT INTO samples (series_id, t, v, err) VALUES (1, 0, 1, NULL), (1, 5000, NULL, 'refused'), (1, 60000, NULL, 'timeout'), (2, 0, NULL, 'dead');
      INSERT INTO rollup_1m (series_id, bucket, n, n_err, sum, min, max) VALUES (1, 0, 2, 1, 1, 1, 1), (1, 60000, 1, 1, NULL, NULL, NULL), (2, 0, 1, 1, NULL, NULL, NULL);
      INSERT INTO rollup_1h (series_id, bucket, n, n_err, sum, min, max) VALUES (1, 0, 3, 2, 1, 1, 1);`);
    migrate(db, ':memory:');
    expect(db.prepare('SELECT series_id, t, v, err FROM samples ORDER BY series_id, t').all()).toEqual([
      { series_id: 1, t: 0, v: 1, err: null }, { series_id: 1, t: 5000, v: 0, err: 'refused' }, { series_id: 1, t: 60000, v: 0, err: 'timeout' },
      { series_id: 2, t: 0, v: null, err: 'dead' }, // not hub.up: a failed probe keeps "no value"
    ]);
    expect(db.prepare('SELECT series_id, bucket, n, n_err, sum, min, max FROM rollup_1m ORDER BY series_id, bucket').all()).toEqual([
      { series_id: 1, bucket: 0, n: 2, n_err: 0, sum: 1, min: 0, max: 1 }, { series_id: 1, bucket: 60000, n: 1, n_err: 0, sum: 0, min: 0, max: 0 },
      { series_id: 2, bucket: 0, n: 1, n_err: 1, sum: null, min: null, max: null },
    ]);
    expect(db.prepare('SELECT n, n_err, sum, min, max FROM rollup_1h').get()).toEqual({ n: 3, n_err: 0, sum: 1, min: 0, max: 1 });
  });

  test('migration versions must be 1, 2, 3 … in order', () => {
    expect(() => migrate(new Database(':memory:'), ':memory:', [{ ...V2 }])).toThrow(/versions must be/);
  });
});

describe('kill during a migration (faults B7)', () => {
  test('SIGKILL inside the last shipped migration: the next open runs it cleanly', async () => {
    const dir = join(tempRoot(), 'state');
    await killInsideMigration(dir, false);
    const store = Store.open({ stateDir: dir });
    expect(store.openInfo.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.openInfo.corruptMovedTo).toBeUndefined();
    store.insertSamples([{ hub: 'h', name: 'hub.up', t: 1000, v: 1 }]);
    expect(store.integrityCheck()).toBe('ok');
    store.close();
  });

  test('SIGKILL inside a data migration: old data intact at the old version, then migrated exactly once', async () => {
    const dir = join(tempRoot(), 'state');
    const before = Store.open({ stateDir: dir });
    before.insertSamples(Array.from({ length: 500 }, (_, i) => ({ hub: 'h', name: 'm', t: i * 1000, v: i })));
    before.close();

    await killInsideMigration(dir, true);

    const after = Store.open({ stateDir: dir }); // the program of before: without the test migration
    expect(after.openInfo.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(after.integrityCheck()).toBe('ok');
    const rows = after.querySamples({ hub: 'h', name: 'm', from: 0, to: 1e9, resolution: 'raw' });
    expect(rows.map((r) => r.v)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(after.db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").get()).toBeUndefined();
    after.close();

    const upgraded = Store.open({ stateDir: dir, migrations: [...MIGRATIONS, V2] });
    expect(upgraded.openInfo.schemaVersion).toBe(LATEST_SCHEMA_VERSION + 1);
    expect(upgraded.db.prepare('SELECT count(*) AS n, sum(v) AS s, min(note) AS note FROM samples').get())
      .toEqual({ n: 500, s: 2 * (499 * 500) / 2, note: 'doubled' });
    expect(upgraded.db.prepare('SELECT count(*) AS n FROM extra').get()).toEqual({ n: 500 });
    upgraded.close();

    expect(() => Store.open({ stateDir: dir })).toThrow(new RegExp(`schema version ${LATEST_SCHEMA_VERSION + 1} is newer`));
  });
});
