/**
 * The README's first command: `npm run demo` starts a real hub, watches it with `check`, reports the test
 * server's self-crash, and Ctrl+C (SIGINT) leaves no process behind.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { httpRequest } from '../support/fake-daemon-view.js';
import { waitUntil } from '../support/wait.js';

const DEMO = fileURLToPath(new URL('../../dist/demo/main.js', import.meta.url));

/** Pids whose environment has HOME inside the demo's temp dir: the hub and every server it spawned. */
function processesWithHome(home: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/environ`, 'utf8').split('\0').includes(`HOME=${home}`)) pids.push(Number(e));
    } catch { /* gone, or not ours */ }
  }
  return pids;
}

test('demo goes from OK to the crash being reported, and Ctrl+C leaves no process behind', async () => {
  const child = spawn(process.execPath, [DEMO, '--crash-after', '4s', '--interval', '2s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let home = '';
  const sawCritical = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      home ||= /HOME=(\S+?)\)/.exec(out)?.[1] ?? '';
      if (out.includes('a monitor that trusts "status" sees nothing wrong')) resolve();
    });
    child.once('exit', () => reject(new Error(`demo exited early:\n${out}`)));
  });
  await sawCritical;
  expect(home).not.toBe('');
  expect(processesWithHome(home).length).toBeGreaterThanOrEqual(2); // the hub and at least one server
  expect(out.indexOf('exit 0 (OK)')).toBeGreaterThan(-1);
  expect(out.indexOf('exit 0 (OK)')).toBeLessThan(out.indexOf('exit 2 (CRITICAL)'));
  expect(out).toMatch(/CRITICAL\s+server\.status\s+crashy\s+dead/);
  expect(out).toContain('the hub\'s own /api/health says of "crashy": status="connected"');
  // The daemon runs beside it with the web dashboard, which already knows about the dead server.
  const web = /web dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
  expect(web).toBeDefined();
  expect((await httpRequest(web!, '/')).body).toContain('<title>mcp-hub-monitor</title>');
  await waitUntil(async () => {
    const r = await httpRequest(web!, '/api/servers');
    return r.status === 200 && (JSON.parse(r.body) as { hubs: { servers: { name: string; dead: boolean }[] }[] }).hubs[0]?.servers.some((x) => x.name === 'crashy' && x.dead) === true;
  }, { what: 'crashy dead in the web dashboard\'s /api/servers', timeoutMs: 15_000, everyMs: 250 });

  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(out).toContain('no process left behind');
  expect(processesWithHome(home)).toEqual([]);
}, 60_000);
