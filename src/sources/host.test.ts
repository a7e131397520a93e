import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { classifyFsType, diskUsage, directorySize, NETWORK_FS_MAGIC, type DiskUsage } from './host.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function tempRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'host-test-'));
  roots.push(r);
  return r;
}

describe('classifyFsType', () => {
  test.each([
    [0x6969, 'nfs', 'network'],
    [0x517b, 'smb', 'network'],
    [0xff534d42, 'cifs', 'network'],
    [0xfe534d42, 'smb2', 'network'],
    [0x01021997, '9p', 'network'],
    [0x65735546, 'fuse', 'maybe'],
    [0xff534d42 | 0, 'cifs', 'network'], // the same magic handed back as a signed 32-bit value
  ])('0x%s is %s (%s)', (type, name, kind) => {
    expect(classifyFsType(type)).toEqual({ name, kind });
  });

  test.each([[0xef53], [0x01021994], [0x58465342], [0x794c7630], [0]])('local type 0x%s is not network', (type) => {
    expect(classifyFsType(type)).toBeUndefined();
  });

  test('the exported table is the one classifyFsType uses', () => {
    for (const [magic, entry] of NETWORK_FS_MAGIC) expect(classifyFsType(magic)).toBe(entry);
  });
});

describe('diskUsage', () => {
  test('tmpdir has sane numbers', () => {
    const d = diskUsage(tmpdir()) as DiskUsage;
    expect(d).not.toHaveProperty('error');
    expect(d.checkedPath).toBe(tmpdir());
    expect(d.totalBytes).toBeGreaterThan(0);
    expect(d.freeBytes).toBeLessThanOrEqual(d.totalBytes);
    expect(d.availBytes).toBeLessThanOrEqual(d.freeBytes);
    expect(d.availRatio).toBeGreaterThanOrEqual(0);
    expect(d.availRatio).toBeLessThanOrEqual(1);
    expect(d.availRatio).toBeCloseTo(d.availBytes / d.totalBytes, 10);
    expect(Number.isInteger(d.fsType) && d.fsType >= 0).toBe(true);
    expect(typeof d.networkFs).toBe('boolean');
  });

  test('a path that does not exist yet is measured on its nearest existing ancestor', () => {
    const root = tempRoot();
    const d = diskUsage(join(root, 'state', 'not', 'yet')) as DiskUsage;
    expect(d.checkedPath).toBe(root);
    expect(d.path).toBe(join(root, 'state', 'not', 'yet'));
    expect(d.totalBytes).toBeGreaterThan(0);
  });

  test('type numbers are only classified on Linux', () => {
    const d = diskUsage(tmpdir(), { platform: 'darwin' }) as DiskUsage;
    expect(d.networkFs).toBe(false);
    expect(d.maybeNetworkFs).toBe(false);
    expect(d.fsName).toBeUndefined();
  });
});

describe('directorySize', () => {
  test('sums regular files, never follows symlinks, and terminates on a link loop', () => {
    const root = tempRoot();
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'top.bin'), Buffer.alloc(100));
    writeFileSync(join(root, 'a', 'one.bin'), Buffer.alloc(1000));
    writeFileSync(join(root, 'a', 'b', 'two.bin'), Buffer.alloc(10));
    symlinkSync(root, join(root, 'a', 'b', 'loop')); // a → … → loop → root
    symlinkSync('..', join(root, 'a', 'up'));
    const outside = tempRoot();
    writeFileSync(join(outside, 'big.bin'), Buffer.alloc(1 << 20));
    symlinkSync(join(outside, 'big.bin'), join(root, 'link-to-big'));
    symlinkSync(outside, join(root, 'link-to-outside-dir'));
    expect(directorySize(root)).toEqual({ bytes: 1110, files: 3, truncated: false, unreadableDirs: 0 });
  });

  test('stops at maxEntries and says the result is truncated', () => {
    const root = tempRoot();
    for (let i = 0; i < 50; i++) writeFileSync(join(root, `f${i}`), 'x');
    const r = directorySize(root, { maxEntries: 10 });
    expect(r).toMatchObject({ truncated: true, files: 10, bytes: 10 });
    expect(directorySize(root, { maxEntries: 50 })).toMatchObject({ truncated: false, files: 50 });
  });

  test('a deep tree is walked without recursion', () => {
    const root = tempRoot();
    let dir = root;
    for (let i = 0; i < 200; i++) dir = join(dir, 'd');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'leaf'), 'abc');
    expect(directorySize(root)).toMatchObject({ bytes: 3, files: 1, truncated: false });
  });

  test('a missing path or a non-directory is an error value, a single file is its size', () => {
    const root = tempRoot();
    expect(directorySize(join(root, 'missing'))).toHaveProperty('error');
    writeFileSync(join(root, 'f'), 'hello');
    expect(directorySize(join(root, 'f'))).toEqual({ bytes: 5, files: 1, truncated: false, unreadableDirs: 0 });
  });

  test('a symlinked root is followed once (a state dir on another disk)', () => {
    const root = tempRoot();
    mkdirSync(join(root, 'real'));
    writeFileSync(join(root, 'real', 'x'), 'abcd');
    symlinkSync(join(root, 'real'), join(root, 'alias'));
    expect(directorySize(join(root, 'alias'))).toMatchObject({ bytes: 4, files: 1 });
  });
});
