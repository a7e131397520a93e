import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { decodeHexAddress, findListeners, findPortOwner, isLoopbackAddress, parseProcNetTcp, resolveHubPid, socketOwners } from './port-owner.js';

describe('decodeHexAddress (little-endian host words, as x86 and arm64 print them)', () => {
  test.each([
    ['0100007F', '127.0.0.1'],
    ['00000000', '0.0.0.0'],
    ['0F02000A', '10.0.2.15'],
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000001000000', '::1'],
    ['0000000000000000FFFF00000100007F', '::ffff:127.0.0.1'],
    ['0000000000000000FFFF000000000000', '::ffff:0.0.0.0'],
    ['000080FE00000000FF005002FEB3A1C2', 'fe80::250:ff:c2a1:b3fe'],
    ['B80D0120000000000000000001000000', '2001:db8::1'],
    ['B80D0120000001000000000001000000', '2001:db8:1::1'],
    ['B80D0120010000000000000001000000', '2001:db8:0:1::1'],
    ['B80D0120000000000000010001000000', '2001:db8::1:0:0:1'],
    ['0000000000000000000000000000FFFF', '::ffff:0'],
  ])('%s is %s', (hex, want) => {
    expect(decodeHexAddress(hex, true)).toBe(want);
  });

  test('big-endian hosts print the words in network order', () => {
    expect(decodeHexAddress('7F000001', false)).toBe('127.0.0.1');
    expect(decodeHexAddress('00000000000000000000000000000001', false)).toBe('::1');
  });

  test('anything else is returned unchanged rather than misread', () => {
    expect(decodeHexAddress('XYZ', true)).toBe('XYZ');
    expect(decodeHexAddress('0100', true)).toBe('0100');
  });
});

test.each([
  ['127.0.0.1', true], ['127.8.9.10', true], ['::1', true], ['::ffff:127.0.0.1', true],
  ['0.0.0.0', false], ['::', false], ['10.0.0.1', false], ['::ffff:0.0.0.0', false], ['fe80::1', false],
])('isLoopbackAddress(%j) is %s', (a, want) => {
  expect(isLoopbackAddress(a)).toBe(want);
});

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 43627 1 00000000cbdaef06 100 0 0 10 0
   1: 0100007F:9F68 0100007F:1F40 01 00000000:00000000 03:0000041F 00000000     0        0 0 3 00000000c89653e3
garbage line
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 778 1 0000000000000000 100 0 0 10 0
`;

test('parseProcNetTcp reads address, port, state and inode, skipping the header and junk', () => {
  expect(parseProcNetTcp(TCP, true)).toEqual([
    { address: '127.0.0.1', port: 8000, state: '0A', inode: 43627 },
    { address: '127.0.0.1', port: 40808, state: '01', inode: 0 },
  ]);
  expect(parseProcNetTcp(TCP6, true).map((r) => [r.address, r.port])).toEqual([['::', 8000], ['::1', 80]]);
});

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A fake /proc with net/tcp{,6} and fd links `socket:[inode]` for the given (real, so alive) pids. */
function fakeProc(sockets: Record<number, number[]>, tables: { tcp?: string; tcp6?: string } = { tcp: TCP, tcp6: TCP6 }): string {
  const root = mkdtempSync(join(tmpdir(), 'fake-proc-net-'));
  roots.push(root);
  writeFileSync(join(root, 'uptime'), '100.0 100.0\n');
  mkdirSync(join(root, 'net'));
  if (tables.tcp !== undefined) writeFileSync(join(root, 'net', 'tcp'), tables.tcp);
  if (tables.tcp6 !== undefined) writeFileSync(join(root, 'net', 'tcp6'), tables.tcp6);
  for (const [pid, inodes] of Object.entries(sockets)) {
    mkdirSync(join(root, pid, 'fd'), { recursive: true });
    symlinkSync('/dev/null', join(root, pid, 'fd', '0'));
    inodes.forEach((inode, i) => symlinkSync(`socket:[${inode}]`, join(root, pid, 'fd', String(i + 3))));
  }
  return root;
}

/** A pid that surely belonged to a process which has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number;
}

const me = process.pid;
const owner = process.ppid; // a real, live pid to stand for the hub in the fake /proc

describe('fake /proc', () => {
  test('findListeners and findPortOwner see both families on the port', () => {
    const root = fakeProc({ [owner]: [777, 43627] });
    // x86/arm64 are little-endian, which the fake tables assume.
    expect(findListeners(8000, { procRoot: root })).toEqual({
      supported: true,
      listening: true,
      sockets: [{ address: '127.0.0.1', family: 4, inode: 43627 }, { address: '::', family: 6, inode: 777 }],
    });
    expect(findPortOwner(8000, { procRoot: root })).toEqual({
      supported: true, listening: true, pids: [owner], addresses: ['127.0.0.1', '::'], exposedBeyondLoopback: true,
    });
    expect(findPortOwner(80, { procRoot: root })).toMatchObject({ listening: true, pids: [], addresses: ['::1'], exposedBeyondLoopback: false });
    expect(findListeners(9, { procRoot: root })).toMatchObject({ listening: false, sockets: [] });
  });

  test('socketOwners stops once every inode is found and skips unreadable pids', () => {
    const root = fakeProc({ 5: [777], 6: [778] });
    mkdirSync(join(root, '7')); // no fd dir: unreadable
    expect(socketOwners([777, 778, 0], { procRoot: root })).toEqual(new Map([[777, 5], [778, 6]]));
    expect(socketOwners([], { procRoot: root }).size).toBe(0);
  });

  test('a live candidate owning the socket is accepted', () => {
    const root = fakeProc({ [owner]: [777] });
    expect(resolveHubPid(8000, [{ pid: owner, via: 'health' }], { procRoot: root })).toEqual({ pid: owner, via: 'health', alive: true, ownsPort: true });
  });

  test('a dead workspaces pid falls back to the port owner and says why', () => {
    const root = fakeProc({ [owner]: [777] });
    const dead = deadPid();
    const r = resolveHubPid(8000, [{ pid: dead, via: 'workspaces' }], { procRoot: root });
    expect(r).toMatchObject({ pid: owner, via: 'port-owner', alive: true, ownsPort: true });
    expect(r.note).toBe(`workspaces pid ${dead} is not running (stale workspaces.json entry)`);
  });

  test('a live pid that does not own the port (pid reuse) is rejected', () => {
    const root = fakeProc({ [owner]: [777], [me]: [] });
    const r = resolveHubPid(8000, [{ pid: me, via: 'workspaces' }], { procRoot: root });
    expect(r).toMatchObject({ pid: owner, via: 'port-owner', ownsPort: true });
    expect(r.note).toMatch(new RegExp(`pid ${me} is alive but does not own port 8000 \\(owner: ${owner}\\)`));
  });

  test('nothing listening: a workspaces pid is rejected, a health pid is kept unverified', () => {
    const root = fakeProc({ [owner]: [] });
    const ws = resolveHubPid(9, [{ pid: owner, via: 'workspaces' }], { procRoot: root });
    expect(ws).toMatchObject({ via: 'none', alive: false });
    expect(ws.note).toMatch(/nothing listens on port 9/);
    const health = resolveHubPid(9, [{ pid: owner, via: 'health' }], { procRoot: root });
    expect(health).toMatchObject({ pid: owner, via: 'health', alive: true });
    expect(health.ownsPort).toBeUndefined();
    expect(health.note).toMatch(/not visible|no listener/);
  });

  test('a listener whose owner cannot be read keeps the live candidate, unverified', () => {
    const root = fakeProc({});
    const r = resolveHubPid(8000, [{ pid: owner, via: 'workspaces' }], { procRoot: root });
    expect(r).toMatchObject({ pid: owner, via: 'workspaces', alive: true });
    expect(r.ownsPort).toBeUndefined();
    expect(r.note).toMatch(/not readable/);
  });

  test('no candidates and no listener: none, with the reason', () => {
    const root = fakeProc({});
    expect(resolveHubPid(9, [], { procRoot: root })).toEqual({ via: 'none', alive: false, note: 'nothing listens on port 9' });
  });

  test('without procfs everything says not supported, and a live candidate is kept unverified', () => {
    const procRoot = join(tmpdir(), 'no-such-proc-root');
    expect(findListeners(8000, { procRoot })).toMatchObject({ supported: false, listening: false, sockets: [] });
    expect(findPortOwner(8000, { procRoot })).toMatchObject({ supported: false, pids: [], exposedBeyondLoopback: false });
    const r = resolveHubPid(8000, [{ pid: deadPid(), via: 'workspaces' }, { pid: owner, via: 'health' }], { procRoot });
    expect(r).toMatchObject({ pid: owner, via: 'health', alive: true });
    expect(r.ownsPort).toBeUndefined();
    expect(r.note).toMatch(/not running.*port ownership not checked/);
  });
});
