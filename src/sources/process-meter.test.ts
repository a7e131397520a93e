import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { cpuBetween, readTree } from './process-meter.js';
import { sampleProcessTree } from './process-sampler.js';

const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0)) c(); });

/** A fake /proc: per pid, its parent, CPU ticks (user + system), start time and RSS. */
function fakeProc(): { root: string; put: (pid: number, ppid: number, ticks: number, start?: number, rssKb?: number) => void } {
  const root = mkdtempSync(join(tmpdir(), 'fake-proc-meter-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'uptime'), '1000.00 1.00\n');
  const put = (pid: number, ppid: number, ticks: number, start = 5000, rssKb = 1024) => {
    mkdirSync(join(root, String(pid)), { recursive: true });
    writeFileSync(join(root, String(pid), 'stat'), `${pid} (node) S ${ppid} 1 1 0 -1 0 0 0 0 0 ${ticks} 0 0 0 20 0 3 0 ${start} 0 0\n`);
    writeFileSync(join(root, String(pid), 'status'), `Name:\tnode\nVmRSS:\t ${rssKb} kB\nThreads:\t7\n`);
  };
  return { root, put };
}

test('CPU between reads one refresh apart: 3 ticks in 5 s is 0.6 % (one 250 ms window would hold no tick at all)', () => {
  const fake = fakeProc();
  let now = 0;
  const read = () => readTree(10, { procRoot: fake.root, now: () => now })!;
  fake.put(10, 1, 1000, 5000, 2048);
  fake.put(11, 10, 50);
  fake.put(12, 10, 70, 6000); // restarts in between: a new process under the same pid, left out
  const before = read();
  expect(before.rssBytes).toBe((2048 + 1024 + 1024) * 1024);
  now = 5_000;
  fake.put(10, 1, 1003, 5000, 2048);
  fake.put(11, 10, 60);
  fake.put(12, 10, 2, 9000);
  expect(cpuBetween(before, read())).toEqual({ hubCpuPercent: 0.6, childrenCpuPercent: 2, windowMs: 5_000 });
  // The hub itself restarted (same pid, new start time): nothing to compare.
  now = 10_000;
  fake.put(10, 1, 1, 9500);
  expect(cpuBetween(before, read())).toBeUndefined();
  expect(readTree(99, { procRoot: fake.root })).toBeUndefined();
});

test.skipIf(process.platform !== 'linux')('a real busy child: the meter says what sampleProcessTree (measure\'s sampler) says over the same window', async () => {
  // Busy about 30 ms of every 100 ms, as a child of a parent that idles: ~30 % in the children.
  const parent = spawn(process.execPath, ['-e', `
    const { spawn } = require('node:child_process');
    spawn(process.execPath, ['-e', 'setInterval(() => { const end = Date.now() + 30; while (Date.now() < end); }, 100)'], { stdio: 'ignore' });
    setInterval(() => {}, 1000);`], { stdio: 'ignore', detached: true });
  cleanups.push(() => process.kill(-parent.pid!, 'SIGKILL')); // the whole group: parent and busy child
  await new Promise((r) => setTimeout(r, 800)); // the child is up and busy
  const before = readTree(parent.pid!)!;
  const sampled = await sampleProcessTree(parent.pid!, 3_000);
  const after = readTree(parent.pid!)!;
  const cpu = cpuBetween(before, after)!;
  const childrenSampled = sampled.children.reduce((s, c) => s + c.cpuPercent, 0);
  expect(childrenSampled).toBeGreaterThan(10);
  expect(Math.abs(cpu.childrenCpuPercent - childrenSampled)).toBeLessThan(2);
  expect(Math.abs(cpu.hubCpuPercent - sampled.hub!.cpuPercent)).toBeLessThan(1);
}, 20_000);
