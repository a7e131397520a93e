import { spawn } from 'node:child_process';
import {
  chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync,
  symlinkSync, utimesSync, lutimesSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, test } from 'vitest';
import type { DiskUsage } from '../sources/host.js';
import { StateDirError } from '../errors.js';
import { ensureStateDir, sweepTempFiles, verifyStateDir, writeFileAtomic } from './files.js';
import { NOT_ROOT, ROOT, skipUnless } from '../../test/support/requires.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function tempRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'store-files-'));
  roots.push(r);
  return r;
}
const mode = (p: string): number => lstatSync(p).mode & 0o777;
function withUmask<T>(mask: number, fn: () => T): T {
  const old = process.umask(mask);
  try {
    return fn();
  } finally {
    process.umask(old);
  }
}
function refusal(fn: () => unknown): StateDirError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StateDirError);
    return err as StateDirError;
  }
  throw new Error('expected a StateDirError');
}
const fakeDisk = (over: Partial<DiskUsage>) => (path: string): DiskUsage => ({
  path, checkedPath: path, totalBytes: 1e9, freeBytes: 5e8, availBytes: 5e8, availRatio: 0.5, fsType: 0x6969,
  networkFs: false, maybeNetworkFs: false, ...over,
});

describe('ensureStateDir (faults D11, D12, B10)', () => {
  test('creates the dir and its parents 0700 under umask 000 (D12)', () => {
    const dir = join(tempRoot(), 'a', 'b', 'state');
    const info = withUmask(0o000, () => ensureStateDir(dir));
    expect(info).toMatchObject({ dir, created: true });
    expect(mode(dir)).toBe(0o700);
    expect(mode(dirname(dir))).toBe(0o700);
  });

  test('creates the dir 0700 even under umask 0277, which would leave mkdir unwritable', () => {
    const dir = join(tempRoot(), 'state');
    withUmask(0o277, () => ensureStateDir(dir));
    expect(mode(dir)).toBe(0o700);
  });

  test('an existing 0755 dir is tightened to 0700, and reported as not created', () => {
    const dir = join(tempRoot(), 'state');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    expect(ensureStateDir(dir).created).toBe(false);
    expect(mode(dir)).toBe(0o700);
  });

  test('a symlinked state dir is refused with STATE_DIR_SYMLINK and the real path to use (D11)', () => {
    const root = tempRoot();
    const real = join(root, 'world');
    mkdirSync(real, { mode: 0o777 });
    chmodSync(real, 0o777);
    symlinkSync(real, join(root, 'state'));
    const err = refusal(() => ensureStateDir(join(root, 'state')));
    expect(err.code).toBe('STATE_DIR_SYMLINK');
    expect(err.message).toContain(`--state-dir ${real}`);
    expect(mode(real)).toBe(0o777); // never chmod through the link
  });

  test.each([[0o777], [0o770], [0o702]])('a dir with mode 0%o is refused with STATE_DIR_PERMISSIONS', (m) => {
    const dir = join(tempRoot(), 'state');
    mkdirSync(dir);
    chmodSync(dir, m);
    const err = refusal(() => ensureStateDir(dir));
    expect(err.code).toBe('STATE_DIR_PERMISSIONS');
    expect(err.message).toMatch(/group- or world-writable .*chmod 0700/);
    expect(mode(dir)).toBe(m); // refused, not "fixed": someone may have planted files already
  });

  test('a dir owned by another uid is refused with STATE_DIR_NOT_OWNED', () => {
    const dir = join(tempRoot(), 'state');
    mkdirSync(dir, { mode: 0o700 });
    const err = refusal(() => ensureStateDir(dir, { uid: 4242 }));
    expect(err.code).toBe('STATE_DIR_NOT_OWNED');
    expect(err.message).toContain('uid 4242');
  });

  test('a dir really chowned to nobody is refused (as root we can make one)', skipUnless(ROOT), () => {
    const dir = join(tempRoot(), 'state');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
    expect(refusal(() => ensureStateDir(dir)).code).toBe('STATE_DIR_NOT_OWNED');
  });

  test('a 0500 dir is refused as unwritable, not silently chmodded back (B3)', skipUnless(NOT_ROOT), () => {
    const dir = join(tempRoot(), 'state');
    mkdirSync(dir, { mode: 0o500 });
    chmodSync(dir, 0o500);
    expect(refusal(() => ensureStateDir(dir)).code).toBe('STATE_DIR_UNWRITABLE');
    expect(mode(dir)).toBe(0o500);
  });

  test('a file in the way is refused with STATE_DIR_NOT_DIR', () => {
    const p = join(tempRoot(), 'state');
    writeFileSync(p, 'x');
    expect(refusal(() => ensureStateDir(p)).code).toBe('STATE_DIR_NOT_DIR');
  });

  test('a network filesystem (mocked statfs: nfs) is refused with STATE_DIR_NETWORK_FS (B10)', () => {
    const dir = join(tempRoot(), 'state');
    const err = refusal(() => ensureStateDir(dir, { diskUsage: fakeDisk({ networkFs: true, fsName: 'nfs' }) }));
    expect(err.code).toBe('STATE_DIR_NETWORK_FS');
    expect(err.message).toMatch(/on nfs.*--allow-network-fs/);
    expect(existsSync(dir)).toBe(false); // refused before mkdir
  });

  test('--allow-network-fs accepts it with a warning; FUSE and an unknown type only warn', () => {
    const dir = join(tempRoot(), 'state');
    expect(ensureStateDir(dir, { allowNetworkFs: true, diskUsage: fakeDisk({ networkFs: true, fsName: 'cifs' }) }).warnings[0]).toMatch(/cifs.*allowed/);
    expect(ensureStateDir(dir, { diskUsage: fakeDisk({ maybeNetworkFs: true, fsName: 'fuse' }) }).warnings[0]).toMatch(/FUSE/);
    expect(ensureStateDir(dir, { diskUsage: () => ({ error: 'statfs: EIO' }) }).warnings[0]).toMatch(/cannot tell/);
    expect(ensureStateDir(dir).warnings).toEqual([]); // the real tmpdir is local
  });

  test('verifyStateDir creates nothing: a missing dir is STATE_DIR_MISSING', () => {
    const dir = join(tempRoot(), 'nope');
    expect(refusal(() => verifyStateDir(dir)).code).toBe('STATE_DIR_MISSING');
    expect(existsSync(dir)).toBe(false);
  });
});

describe('writeFileAtomic (faults B2, B6, D11)', () => {
  test('writes the content 0600 under umask 000 and leaves no temp file', () => {
    const dir = tempRoot();
    const p = join(dir, 'report.md');
    withUmask(0o000, () => writeFileAtomic(p, 'hello'));
    expect(readFileSync(p, 'utf8')).toBe('hello');
    expect(mode(p)).toBe(0o600);
    writeFileAtomic(p, Buffer.from('second'));
    expect(readFileSync(p, 'utf8')).toBe('second');
    expect(readdirSync(dir)).toEqual(['report.md']);
  });

  test('a target that is a symlink is replaced by the file; the link target is unchanged (D11)', () => {
    const dir = tempRoot();
    const bashrc = join(dir, 'bashrc');
    writeFileSync(bashrc, 'original');
    symlinkSync(bashrc, join(dir, 'report.md'));
    writeFileAtomic(join(dir, 'report.md'), 'report');
    expect(readFileSync(bashrc, 'utf8')).toBe('original');
    expect(lstatSync(join(dir, 'report.md')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toBe('report');
  });

  test('when the rename fails the temp file is removed and the old content is intact', () => {
    const dir = tempRoot();
    const p = join(dir, 'taken');
    mkdirSync(p); // a non-empty directory cannot be replaced by a file
    writeFileSync(join(p, 'inside'), 'old');
    expect(() => writeFileAtomic(p, 'new')).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readFileSync(join(p, 'inside'), 'utf8')).toBe('old');
  });

  test('a missing directory fails cleanly', () => {
    expect(() => writeFileAtomic(join(tempRoot(), 'no', 'file'), 'x')).toThrow(/ENOENT/);
  });

  test('SIGKILLed 20 times mid-write, a reader only ever sees the complete old or new file (B6)', async () => {
    const dir = tempRoot();
    const target = join(dir, 'artefact.bin');
    const size = 1 << 20;
    const script = join(dir, 'writer.cjs');
    buildSync({
      stdin: {
        contents: `import { writeFileAtomic } from './files.js';
          const [path, size] = [process.argv[2], Number(process.argv[3])];
          const bufs = [Buffer.alloc(size, 'a'), Buffer.alloc(size, 'b')];
          writeFileAtomic(path, bufs[0]);
          process.stdout.write('ready\\n');
          for (let i = 1; ; i++) writeFileAtomic(path, bufs[i % 2]);`,
        resolveDir: HERE, loader: 'ts', sourcefile: 'writer.ts',
      },
      bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: script, logLevel: 'error',
    });
    const complete = [Buffer.alloc(size, 'a'), Buffer.alloc(size, 'b')];
    const check = (): string => {
      const buf = readFileSync(target);
      expect(complete.some((c) => c.equals(buf)), `torn file: ${buf.length} bytes`).toBe(true);
      return String.fromCharCode(buf[0] as number);
    };
    const seen = new Set<string>();
    for (let kill = 0; kill < 20; kill++) {
      const child = spawn(process.execPath, [script, target, String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((res, rej) => {
        child.stdout.once('data', () => res());
        child.once('exit', (code) => rej(new Error(`writer exited ${code}`)));
      });
      // Read while it writes, for a random 20–120 ms, then kill it at that random moment.
      const until = Date.now() + 20 + Math.random() * 100;
      while (Date.now() < until) seen.add(check());
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      seen.add(check());
    }
    expect(seen).toEqual(new Set(['a', 'b'])); // both versions were really written and read
    // Killed writers leave temp files behind; the start-up sweep removes them and nothing else.
    sweepTempFiles(dir, -1);
    expect(readdirSync(dir).sort()).toEqual(['artefact.bin', 'writer.cjs']);
    check();
  });
});

describe('sweepTempFiles', () => {
  test('removes .*.tmp files and links older than an hour, keeps the young, the others and dirs', () => {
    const dir = tempRoot();
    const old = (Date.now() - 2 * 3_600_000) / 1000;
    const make = (name: string, age: 'old' | 'young') => {
      writeFileSync(join(dir, name), 'x');
      if (age === 'old') utimesSync(join(dir, name), old, old);
    };
    make('.report.md.1-ab.tmp', 'old');
    make('.young.tmp', 'young');
    make('plain.tmp', 'old');
    make('.not-temp', 'old');
    make('target', 'young');
    symlinkSync(join(dir, 'target'), join(dir, '.link.tmp'));
    lutimesSync(join(dir, '.link.tmp'), old, old);
    mkdirSync(join(dir, '.dir.tmp'));
    utimesSync(join(dir, '.dir.tmp'), old, old);
    expect(sweepTempFiles(dir).sort()).toEqual(['.link.tmp', '.report.md.1-ab.tmp']);
    expect(readdirSync(dir).sort()).toEqual(['.dir.tmp', '.not-temp', '.young.tmp', 'plain.tmp', 'target']);
    expect(statSync(join(dir, 'target')).isFile()).toBe(true);
  });

  test('a missing dir sweeps nothing', () => {
    expect(sweepTempFiles(resolve(tempRoot(), 'none'))).toEqual([]);
  });
});
