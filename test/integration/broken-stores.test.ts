/**
 * A broken history.sqlite given to `status` and `daemon`, as a user meets it (faults F9): each ends in one
 * line naming the file, the cause and the fix, exit 3, and no daemon.lock left — or the monitor does better:
 * the daemon moves a corrupt file aside and starts afresh (faults B5), and `status` reads a healthy store in
 * a read-only directory or on a full volume (from a copy in memory). Root ignores file modes, so as root a
 * read-only file is an immutable one (chattr +i) and a read-only dir a read-only tmpfs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { Store } from '../../src/store/store.js';
import { CLI_PATH, isolatedEnv, runCli } from '../support/cli.js';
import { refusedUrl } from '../support/receiver.js';
import { condition, skipNow, skipUnless, tool } from '../support/requires.js';
import { tempDir } from '../support/temp-dir.js';
import { historyDbPath } from '../../src/config/paths.js';

const isRoot = process.getuid?.() === 0;
const cleanups: (() => unknown)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A state dir holding a healthy, cleanly closed store with one poll. */
function healthyState(parent = tempDir('mhm-broken-')): string {
  const dir = join(parent, 'state');
  const s = Store.open({ stateDir: dir });
  s.insertSamples([{ hub: 'http://127.0.0.1:7000', name: 'hub.up', t: Date.now() - 5_000, v: 1 }]);
  s.close();
  return dir;
}
const dbOf = (dir: string) => historyDbPath(dir);

/** One line, naming `what`, with no stack and no "internal error". */
function expectOneLine(stderr: string, what: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(what);
  expect(stderr).not.toMatch(/internal error|\n\s+at /);
}

/** Runs the daemon until it exits by itself, or until its log matches `until` (then SIGTERM). */
function runDaemon(dir: string, hub: string, until?: RegExp): Promise<{ code: number | null; stderr: string; stoppedByUs: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_PATH, 'daemon', '--state-dir', dir, '--hub', hub, '--interval', '1s', '--no-sse'], { env: isolatedEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let stoppedByUs = false;
    const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (until && !stoppedByUs && until.test(stderr)) { stoppedByUs = true; child.kill('SIGTERM'); }
    });
    child.once('close', (code) => { clearTimeout(deadline); resolve({ code, stderr, stoppedByUs }); });
  });
}

describe('status and daemon on a broken history.sqlite (faults F9)', () => {
  test.each([
    ['corrupt (garbage over the header)', (dir: string) => writeFileSync(dbOf(dir), Buffer.alloc(64 * 1024, 0x5a)), /SQLITE_NOTADB: file is not a database/],
    ['truncated', (dir: string) => truncateSync(dbOf(dir), Math.floor(statSync(dbOf(dir)).size / 2) + 100), /SQLITE_CORRUPT/],
  ])('%s: status says damaged in one line (exit 3); the daemon moves it aside and runs, leaving no lock', async (_name, breakIt, cause) => {
    const dir = healthyState();
    breakIt(dir);
    const status = await runCli(['status', '--state-dir', dir]);
    expect(status.code).toBe(3);
    expectOneLine(status.stderr, dbOf(dir));
    expect(status.stderr).toMatch(cause);
    expect(status.stderr).toMatch(/The daemon moves it aside and starts a new one at its next start; the old file is kept for recovery\.$/m);
    const daemon = await runDaemon(dir, await refusedUrl(), /moved aside/);
    expect(daemon.stoppedByUs).toBe(true);
    expect(daemon.code).toBe(0);
    expect(daemon.stderr).not.toMatch(/internal error/);
    expect(existsSync(join(dir, 'daemon.lock'))).toBe(false);
  }, 40_000);

  test('a directory named history.sqlite: status and daemon exit 3 in one line saying to move it away; no lock left', async () => {
    const dir = healthyState();
    rmSync(dbOf(dir));
    mkdirSync(dbOf(dir));
    for (const run of [await runCli(['status', '--state-dir', dir]), await runDaemon(dir, await refusedUrl())]) {
      expect(run.code).toBe(3);
      expectOneLine(run.stderr, `${dbOf(dir)}: is a directory, not the history database. Move it away (mv ${dbOf(dir)} ${dbOf(dir)}.bak)`);
    }
    expect(existsSync(join(dir, 'daemon.lock'))).toBe(false);
  }, 40_000);

  test('a read-only history file: the daemon exits 3 in one line saying how to make it writable, no lock left; status reads it', { ...skipUnless(condition(!isRoot || tool('chattr', 'e2fsprogs').met, 'as root, needs `chattr` (apt-get install e2fsprogs) to make a file read-only for root')), timeout: 40_000 }, async (ctx) => {
    const dir = healthyState();
    if (isRoot) {
      if (spawnSync('chattr', ['+i', dbOf(dir)]).status !== 0) skipNow(ctx, 'chattr +i failed: the temp dir\'s filesystem has no immutable flag (needs ext4/xfs/btrfs)');
      cleanups.push(() => spawnSync('chattr', ['-i', dbOf(dir)]));
    } else chmodSync(dbOf(dir), 0o400);
    const daemon = await runDaemon(dir, await refusedUrl());
    expect(daemon.code).toBe(3);
    expectOneLine(daemon.stderr, `${dbOf(dir)}: the history database is read-only`);
    expect(daemon.stderr).toContain(`chmod 0600 ${dbOf(dir)}`);
    expect(existsSync(join(dir, 'daemon.lock'))).toBe(false);
    const status = await runCli(['status', '--state-dir', dir]);
    expect(status.code).toBe(1); // read, and says the daemon is not running
    expect(status.stdout).toMatch(/^daemon: not running/m);
    expect(status.stdout).toContain(`store: ${dbOf(dir)}`);
  });

  test('a read-only state dir: status reads the healthy store from a copy and says so; the daemon exits 3 naming the dir', { ...skipUnless(condition(!isRoot || process.platform === 'linux', 'as root, needs Linux to mount a read-only tmpfs')), timeout: 40_000 }, async (ctx) => {
    let dir: string;
    if (isRoot) {
      const mnt = tempDir('mhm-ro-');
      if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'tmpfs', mnt]).status !== 0) skipNow(ctx, 'mount -t tmpfs failed: needs a kernel and container that allow it');
      cleanups.push(() => spawnSync('umount', ['-l', mnt]));
      dir = healthyState(mnt);
      expect(spawnSync('mount', ['-o', 'remount,ro', mnt]).status).toBe(0);
    } else {
      dir = healthyState();
      chmodSync(dir, 0o500);
      cleanups.push(() => chmodSync(dir, 0o700));
    }
    const status = await runCli(['status', '--state-dir', dir]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`store: ${dbOf(dir)}`);
    expect(status.stdout).toMatch(new RegExp(`^store: read from a copy in memory: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not writable$`, 'm'));
    expect(status.stdout).toMatch(/^hubs:\n {2}http:\/\/127\.0\.0\.1:7000 {2}last poll/m);
    const daemon = await runDaemon(dir, await refusedUrl());
    expect(daemon.code).toBe(3);
    expectOneLine(daemon.stderr, dir);
    expect(daemon.stderr).toMatch(/not writable|read-only filesystem/);
    expect(existsSync(join(dir, 'daemon.lock'))).toBe(false);
  });

  test('a full volume with no daemon running: status reads the store from a copy (SQLite cannot make its -shm there)', { ...skipUnless(condition(isRoot && process.platform === 'linux', 'needs root on Linux to mount a small tmpfs and fill it')), timeout: 40_000 }, async (ctx) => {
    const mnt = tempDir('mhm-fullro-');
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mnt]).status !== 0) skipNow(ctx, 'mount -t tmpfs failed: needs a kernel and container that allow it');
    cleanups.push(() => spawnSync('umount', ['-l', mnt]));
    const dir = healthyState(mnt);
    const fd = openSync(join(mnt, 'filler'), 'a');
    try { for (;;) writeSync(fd, Buffer.alloc(16 * 1024)); } catch (err) { expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC'); } finally { closeSync(fd); }
    const status = await runCli(['status', '--state-dir', dir]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^store: read from a copy in memory: the volume of .* is full$/m);
  });
});
