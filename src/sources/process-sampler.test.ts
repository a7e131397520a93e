import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { descendants, parseCmdline, parseStatus, readProcessStat, sampleProcessTree, shortCommand } from './process-sampler.js';

/** A fake /proc in a temp dir: uptime plus per-pid stat, status, cmdline and fd entries. */
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

interface FakeProc {
  pid: number;
  ppid: number;
  comm?: string;
  ticks?: [number, number];
  start?: number;
  rssKb?: number;
  argv?: string[];
  fds?: number;
}

function fakeProcRoot(uptimeS = 1000): { root: string; put: (p: FakeProc) => void; remove: (pid: number) => void } {
  const root = mkdtempSync(join(tmpdir(), 'fake-proc-'));
  roots.push(root);
  writeFileSync(join(root, 'uptime'), `${uptimeS}.00 1234.00\n`);
  const put = (p: FakeProc): void => {
    const dir = join(root, String(p.pid));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'fd'), { recursive: true });
    const [ut, st] = p.ticks ?? [0, 0];
    writeFileSync(join(dir, 'stat'), `${p.pid} (${p.comm ?? 'node'}) S ${p.ppid} 1 1 0 -1 0 0 0 0 0 ${ut} ${st} 0 0 20 0 3 0 ${p.start ?? 5000} 0 0\n`);
    writeFileSync(join(dir, 'status'), `Name:\tnode\nVmRSS:\t ${p.rssKb ?? 1024} kB\nThreads:\t7\n`);
    writeFileSync(join(dir, 'cmdline'), (p.argv ?? ['node', `/srv/p${p.pid}.js`]).map((a) => `${a}\0`).join(''));
    for (let i = 0; i < (p.fds ?? 3); i++) writeFileSync(join(dir, 'fd', String(i)), '');
  };
  const remove = (pid: number): void => rmSync(join(root, String(pid)), { recursive: true, force: true });
  return { root, put, remove };
}

describe('parsers', () => {
  test('status gives VmRSS in bytes and Threads; absent fields stay undefined', () => {
    expect(parseStatus('Name:\tnode\nVmRSS:\t   51200 kB\nThreads:\t11\n')).toEqual({ rssBytes: 51200 * 1024, threads: 11 });
    expect(parseStatus('Name:\tkthreadd\nThreads:\t1\n')).toEqual({ rssBytes: undefined, threads: 1 });
  });

  test('cmdline splits on NUL and keeps empty and spaced arguments', () => {
    expect(parseCmdline('node\0-e\0for (;;) {}\0\0x\0')).toEqual(['node', '-e', 'for (;;) {}', '', 'x']);
    expect(parseCmdline('')).toEqual([]);
  });

  test.each([
    [['/usr/bin/node', '/x/server-everything/dist/index.js', 'stdio'], 'node index.js stdio'],
    [['node', '/x/mcp-hub/dist/cli.js', '--port', '3000', '--config', '/tmp/c.json'], 'node cli.js --port 3000'],
    [['node', '--require', '/x/preload/loopback.cjs', '/x/mcp-hub/dist/cli.js', '--port', '3000'], 'node cli.js --port 3000'],
    [['node', '--max-old-space-size=512', '-r', 'a.cjs', 'server.js'], 'node server.js'],
    [['/usr/local/bin/uvx', 'mcp-server-fetch'], 'uvx mcp-server-fetch'],
    [['/bin/sleep', '100'], 'sleep 100'],
    [[], '[kworker/0:1]'],
  ])('shortCommand(%j) is %j', (argv, want) => {
    expect(shortCommand(argv, 'kworker/0:1')).toBe(want);
  });

  test('a very long command is cut with an ellipsis', () => {
    const s = shortCommand(['node', '-e', 'x'.repeat(500)], 'node');
    expect(s.length).toBe(60);
    expect(s.endsWith('…')).toBe(true);
  });
});

describe('fake /proc', () => {
  test('readProcessStat combines stat, status, cmdline and the fd count, with a tricky comm', () => {
    const fake = fakeProcRoot();
    fake.put({ pid: 10, ppid: 1, comm: 'node (x) y', ticks: [7, 3], start: 4200, rssKb: 2048, argv: ['node', 'a b'], fds: 5 });
    expect(readProcessStat(10, fake.root)).toEqual({
      pid: 10, ppid: 1, comm: 'node (x) y', cmdline: ['node', 'a b'], state: 'S', threads: 7, rssBytes: 2048 * 1024,
      utimeTicks: 7, stimeTicks: 3, startTimeTicks: 4200, fds: 5,
    });
    expect(readProcessStat(11, fake.root)).toBeUndefined();
  });

  test('descendants follows ppid recursively and ignores other trees', () => {
    const fake = fakeProcRoot();
    for (const [pid, ppid] of [[10, 1], [11, 10], [12, 10], [13, 11], [20, 1], [21, 20]]) fake.put({ pid: pid as number, ppid: ppid as number });
    expect(descendants(10, fake.root).sort()).toEqual([11, 12, 13]);
    expect(descendants(13, fake.root)).toEqual([]);
  });

  test('CPU % is ticks over the wall window; exited, reused and new children are told apart', async () => {
    const fake = fakeProcRoot(1000);
    fake.put({ pid: 10, ppid: 1, ticks: [100, 50], start: 90_000 }); // hub, started at 900 s
    fake.put({ pid: 11, ppid: 10, ticks: [0, 0] }); // stays, burns one core
    fake.put({ pid: 12, ppid: 10 }); // exits in the window
    fake.put({ pid: 13, ppid: 10, start: 6000 }); // pid reused in the window
    fake.put({ pid: 14, ppid: 11, ticks: [10, 0] }); // grandchild, idle
    let t = 0;
    const sample = await sampleProcessTree(10, 2000, {
      procRoot: fake.root,
      now: () => t,
      sleep: async (ms) => {
        t += ms;
        fake.put({ pid: 10, ppid: 1, ticks: [150, 60], start: 90_000, rssKb: 40_000 }); // +60 ticks in 2 s = 30 %
        fake.put({ pid: 11, ppid: 10, ticks: [190, 10] }); // +200 ticks in 2 s = 100 %
        fake.remove(12);
        fake.put({ pid: 13, ppid: 10, start: 99_000 });
        fake.put({ pid: 15, ppid: 10 }); // appeared
      },
    });
    expect(sample.supported).toBe(true);
    expect(sample.hub).toMatchObject({ pid: 10, cpuPercent: 30, rssBytes: 40_000 * 1024, threads: 7, fds: 3, uptimeS: 100, command: 'node p10.js' });
    expect(sample.children.map((c) => [c.pid, c.cpuPercent])).toEqual([[11, 100], [14, 0]]);
    expect(sample.exitedDuringWindow).toBe(2);
    expect(sample.appearedDuringWindow).toBe(1);
    expect(sample.total).toEqual({ cpuPercent: 130, rssBytes: (40_000 + 1024 + 1024) * 1024 });
  });

  test('a hub that exits inside the window has no usage, and says so', async () => {
    const fake = fakeProcRoot();
    fake.put({ pid: 10, ppid: 1 });
    const sample = await sampleProcessTree(10, 100, { procRoot: fake.root, sleep: async () => fake.remove(10) });
    expect(sample.hub).toBeUndefined();
    expect(sample.reason).toMatch(/exited during the window/);
  });

  test('an unknown pid is reported, not thrown', async () => {
    const fake = fakeProcRoot();
    const sample = await sampleProcessTree(999_999, 100, { procRoot: fake.root, sleep: async () => {} });
    expect(sample).toMatchObject({ supported: true, children: [], reason: 'no process with pid 999999' });
  });

  test('without procfs (macOS, Windows) the sample says not supported', async () => {
    const sample = await sampleProcessTree(1, 100, { procRoot: join(tmpdir(), 'no-such-proc-root'), sleep: async () => {} });
    expect(sample).toMatchObject({ supported: false, children: [] });
    expect(sample.reason).toMatch(/Linux \/proc/);
    expect(descendants(1, join(tmpdir(), 'no-such-proc-root'))).toEqual([]);
    expect(readProcessStat(1, join(tmpdir(), 'no-such-proc-root'))).toBeUndefined();
  });
});
