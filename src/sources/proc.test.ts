import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { childPids, cmdlineHasArg, isLoopbackUrl, isPidAlive, listPids, parseProcStat, readProcStat, readRssBytes } from './proc.js';
import { LINUX, skipUnless } from '../../test/support/requires.js';

const spawned: ChildProcess[] = [];
afterEach(() => {
  for (const c of spawned.splice(0)) c.kill('SIGKILL');
});

/** A /proc/<pid>/stat line with the given comm; the tail mirrors a real node process. */
const statLine = (comm: string): string =>
  `4242 (${comm}) S 17 4242 17 0 -1 4194560 3520 0 0 0 123 45 0 0 20 0 11 0 98765 1130000000 12345 18446744073709551615 1 1 0 0 0 0 0 16781312 134234626 0 0 0 17 1 0 0 0 0 0`;

describe('parseProcStat', () => {
  test.each([
    ['node'],
    ['node (x) y'],
    ['a) S 1 2 3'],
    ['(('],
    [' spaced '],
    [''],
  ])('comm %j is kept whole and the numeric tail still parses', (comm) => {
    expect(parseProcStat(statLine(comm))).toEqual({
      pid: 4242, comm, state: 'S', ppid: 17, utimeTicks: 123, stimeTicks: 45, threads: 11, startTimeTicks: 98765,
    });
  });

  test.each([[''], ['garbage'], ['12 (x'], ['12 (x) S']])('%j is not a stat line', (text) => {
    expect(parseProcStat(text)).toBeUndefined();
  });
});

describe('against this machine', skipUnless(LINUX), () => {
  test('our own process is listed, alive, and its stat names our parent', () => {
    expect(listPids()).toContain(process.pid);
    expect(isPidAlive(process.pid)).toBe(true);
    expect(readProcStat(process.pid)?.ppid).toBe(process.ppid);
    expect(readRssBytes(process.pid)).toBeGreaterThan(10 << 20);
  });

  test('childPids finds a child we spawn, and cmdlineHasArg sees its argv', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)', 'marker-arg'], { stdio: 'ignore' });
    spawned.push(child);
    await new Promise((r) => child.once('spawn', r));
    expect(childPids(process.pid)).toContain(child.pid);
    expect(cmdlineHasArg(child.pid as number, 'marker-arg')).toBe(true);
    expect(cmdlineHasArg(child.pid as number, 'other')).toBe(false);
  });
});

test('invalid pids are never alive', () => {
  expect(isPidAlive(0)).toBe(false);
  expect(isPidAlive(-1)).toBe(false);
  expect(isPidAlive(1.5)).toBe(false);
});

test.each([
  ['http://127.0.0.1:7000', true],
  ['http://localhost:7000', true],
  ['http://[::1]:7000', true],
  ['http://10.0.0.1:7000', false],
  ['not a url', false],
])('isLoopbackUrl(%j) is %s', (url, want) => {
  expect(isLoopbackUrl(url)).toBe(want);
});
