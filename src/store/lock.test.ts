import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, test } from 'vitest';
import { acquireLock, isLiveNodeProcess, LockHeldError, readLock } from './lock.js';
import { LINUX, skipUnless } from '../../test/support/requires.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const roots: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function stateDir(): string {
  const r = mkdtempSync(join(tmpdir(), 'store-lock-'));
  roots.push(r);
  return r;
}
function held(fn: () => unknown): LockHeldError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LockHeldError);
    return err as LockHeldError;
  }
  throw new Error('expected LockHeldError');
}
const lockJson = (pid: number, host = hostname()) => JSON.stringify({ pid, startedAt: 1_700_000_000_000, hostname: host, token: 'other' });
async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => c.once('exit', r));
  return c.pid as number;
}

/** A child node process that takes the lock, says so on stdout, and holds it until killed. */
function lockingChild(dir: string): { script: string; start(): Promise<{ child: ChildProcess; line: string }> } {
  const script = join(stateDir(), 'locker.cjs');
  buildSync({
    stdin: {
      contents: `import { acquireLock } from './lock.js';
        try { acquireLock(process.argv[2]); process.stdout.write('won\\n'); }
        catch (e) { process.stdout.write('lost ' + e.code + '\\n'); }
        setTimeout(() => {}, 60_000);`,
      resolveDir: HERE, loader: 'ts', sourcefile: 'locker.ts',
    },
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: script, logLevel: 'error',
  });
  return {
    script,
    start: () => new Promise((res, rej) => {
      const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      child.stdout.once('data', (d: Buffer) => res({ child, line: d.toString().trim() }));
      child.once('exit', (code) => rej(new Error(`locker exited ${code}`)));
    }),
  };
}

describe('acquireLock (faults B9, D11)', () => {
  test('writes {pid, startedAt, hostname} 0600 and release removes it', () => {
    const dir = stateDir();
    const lock = acquireLock(dir, 'daemon', { now: () => 1_700_000_000_000 });
    expect(lock.path).toBe(join(dir, 'daemon.lock'));
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, startedAt: 1_700_000_000_000, hostname: hostname() });
    expect(lstatSync(lock.path).mode & 0o777).toBe(0o600);
    lock.release();
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a second acquire throws LockHeldError naming the pid and how to stop it', () => {
    const dir = stateDir();
    const lock = acquireLock(dir);
    const err = held(() => acquireLock(dir));
    expect(err.code).toBe('LOCK_HELD');
    expect(err.holder?.pid).toBe(process.pid);
    expect(err.message).toContain(`pid ${process.pid}`);
    expect(err.message).toContain(`kill ${process.pid}`);
    lock.release();
    acquireLock(dir).release(); // free again
  });

  test('a lock name that could leave the state dir is refused', () => {
    expect(() => acquireLock(stateDir(), '../daemon')).toThrow(TypeError);
  });

  test('locks of different names do not conflict', () => {
    const dir = stateDir();
    const a = acquireLock(dir, 'daemon');
    const b = acquireLock(dir, 'report');
    a.release();
    b.release();
  });

  test('a stale lock (dead pid) is taken over', async () => {
    const dir = stateDir();
    writeFileSync(join(dir, 'daemon.lock'), lockJson(await deadPid()));
    const lock = acquireLock(dir);
    expect(readLock(lock.path)).toMatchObject({ pid: process.pid });
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a lock whose pid was reused by a program that is not node is stale', skipUnless(LINUX), async () => {
    const sleeper = spawn('sleep', ['30']);
    children.push(sleeper);
    await new Promise((r) => sleeper.once('spawn', r));
    expect(isLiveNodeProcess(sleeper.pid as number)).toBe(false);
    const dir = stateDir();
    writeFileSync(join(dir, 'daemon.lock'), lockJson(sleeper.pid as number));
    acquireLock(dir).release();
  });

  test('a lock from another host is trusted as held, whatever its pid', async () => {
    const dir = stateDir();
    writeFileSync(join(dir, 'daemon.lock'), lockJson(await deadPid(), 'elsewhere.example'));
    expect(held(() => acquireLock(dir)).message).toContain('on elsewhere.example');
  });

  test('garbage in the lock file is stale, not a permanent refusal', () => {
    const dir = stateDir();
    writeFileSync(join(dir, 'daemon.lock'), '{"pid":');
    acquireLock(dir).release();
  });

  test('a lock file that is a symlink to /etc/passwd-like target is replaced, never followed (D11)', () => {
    const dir = stateDir();
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, 'root:x:0:0\n');
    symlinkSync(passwd, join(dir, 'daemon.lock'));
    const lock = acquireLock(dir);
    expect(lstatSync(lock.path).isFile()).toBe(true);
    expect(readFileSync(passwd, 'utf8')).toBe('root:x:0:0\n');
    lock.release();
  });

  test('release removes the lock only while it is still ours', () => {
    const dir = stateDir();
    const lock = acquireLock(dir);
    writeFileSync(lock.path, lockJson(12345)); // taken over by someone who judged us stale
    lock.release();
    expect(existsSync(lock.path)).toBe(true);
    expect(readLock(lock.path)).toMatchObject({ pid: 12345 });
  });

  test('held by another live process: refused with its pid; after SIGKILL of the holder, taken over', async () => {
    const dir = stateDir();
    const { child, line } = await lockingChild(dir).start();
    expect(line).toBe('won');
    const err = held(() => acquireLock(dir));
    expect(err.holder?.pid).toBe(child.pid);
    expect(err.message).toContain(`kill ${child.pid}`);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    acquireLock(dir).release();
  });

  test('six processes racing for a stale lock: exactly one wins', async () => {
    const dir = stateDir();
    writeFileSync(join(dir, 'daemon.lock'), lockJson(await deadPid()));
    const locker = lockingChild(dir);
    const results = await Promise.all(Array.from({ length: 6 }, () => locker.start()));
    const lines = results.map((r) => r.line).sort();
    expect(lines).toEqual(['lost LOCK_HELD', 'lost LOCK_HELD', 'lost LOCK_HELD', 'lost LOCK_HELD', 'lost LOCK_HELD', 'won']);
    const winner = results.find((r) => r.line === 'won')?.child;
    expect(readLock(join(dir, 'daemon.lock'))).toMatchObject({ pid: winner?.pid });
  });
});
