/**
 * The README's first command: `npm run demo` starts a real hub, watches it with `check`, reports the test
 * server's self-crash, shows the calls its client makes through the tap (then the crashed server's calls
 * failing with "Not connected", as the daemon recorded them), and Ctrl+C (SIGINT) leaves no process behind.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished, test } from 'vitest';
import { httpRequest } from '../support/fake-daemon-view.js';
import { waitUntil } from '../support/wait.js';

const DEMO = fileURLToPath(new URL('../../dist/demo/main.js', import.meta.url));
/** status's tap line, printed by the demo, once the daemon has recorded a failed call through the tap. */
const FAILED_CALLS = /^ {2}tap: connected \(1\), \d+ calls in the last 5m, [1-9]\d* failed, 0 records dropped by the taps/m;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

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
  // A failing test still stops the demo as Ctrl+C does, so its hub, tap and daemon are not left running.
  onTestFinished(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await gone;
  });
  let out = '';
  let home = '';
  const sawCritical = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      home ||= /HOME=(\S+?)\)/.exec(out)?.[1] ?? '';
      if (out.includes('a monitor that trusts "status" sees nothing wrong') && FAILED_CALLS.test(out)) resolve();
    });
    child.once('exit', () => reject(new Error(`demo exited early:\n${out}`)));
    setTimeout(() => reject(new Error(`no crash report and no failed call through the tap within 40 s:\n${out}`)), 40_000).unref();
  });
  await sawCritical;
  expect(home).not.toBe('');
  const tapPid = Number(/tap forwarding http:\/\/127\.0\.0\.1:\d+ to the hub \(pid (\d+)\)/.exec(out)?.[1]);
  expect(processesWithHome(home)).toContain(tapPid); // so the no-process-left check below covers the tap too
  expect(processesWithHome(home).length).toBeGreaterThanOrEqual(3); // the hub, the tap and at least one server
  // The calls through the tap, as the daemon recorded them: everything's echo fine, crashy's failing.
  expect(out).toMatch(/^ {6}crashy\/echo {2}\d+ calls, [\d.]+% ok, P95 \d+ ms, 500 ×\d+: "Not connected"$/m);
  expect(out).toMatch(/^ {6}everything\/echo {2}\d+ calls, 100% ok/m);
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
  expect(alive(tapPid)).toBe(false);
}, 60_000);
