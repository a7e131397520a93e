// F9 (issue I item 9): a broken history.sqlite — corrupt, truncated, a directory, a read-only file or dir,
// a full volume — given to `daemon` and `status`. Each must end in one line naming the file, the cause and
// the fix, exit 3 and no stale daemon.lock — or, where the monitor can do better, do it: the daemon moves a
// corrupt file aside and starts afresh (faults B5) and keeps watching on a full volume (F2); `status` reads
// a healthy store in a read-only directory or on a full volume.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchHub, everythingServer } from '../../dist/demo/hub-launcher.js';
import { historyDbPath } from '../../dist/config/paths.js';
import { CLI, fillVolume, isolatedEnv, mountTmpfs, sleep, tmpfsUnavailable } from '../lib/store-faults.mjs';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

/** Runs the CLI as `uid` (root drops to nobody, so file modes apply); `forMs` then SIGTERM for the daemon. */
function run(args, env, { uid, forMs } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env, stdio: ['ignore', 'pipe', 'pipe'], ...(uid !== undefined && asRoot ? { uid, gid: uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    let stopped = false;
    const timer = forMs === undefined ? undefined : setTimeout(() => { stopped = true; child.kill('SIGTERM'); }, forMs);
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, ranUntilStopped: stopped }); });
  });
}

/** One line, naming the file, no stack, no "internal error". */
function oneLine(text, path) {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.length === 1 && lines[0].includes(path) && !/internal error|\n\s+at /.test(text);
}

export const attack = {
  id: 'F9',
  title: 'broken stores: corrupt, truncated, directory, read-only file/dir, full history.sqlite to daemon and status',
  async run() {
    const cleanups = [];
    const rows = [];
    try {
      const work = mkdtempSync(join(tmpdir(), 'mhm-attack-f9-'));
      cleanups.push(() => rmSync(work, { recursive: true, force: true }));
      chmodSync(work, 0o755);
      const hub = await launchHub({ servers: { everything: everythingServer() } });
      cleanups.push(() => hub.stop());
      const user = asRoot ? NOBODY : process.getuid();
      const home = join(work, 'home');
      mkdirSync(home, { recursive: true });
      if (asRoot) chownSync(home, NOBODY, NOBODY);
      const env = isolatedEnv(home);
      let n = 0;
      /** A state dir owned by the user, with a healthy store written by a daemon that ran 3 s. */
      const healthyState = async (parent = work) => {
        const dir = join(parent, `state-${n++}`);
        mkdirSync(dir, { mode: 0o700 });
        if (asRoot) chownSync(dir, NOBODY, NOBODY);
        await run(['daemon', '--state-dir', dir, '--hub', hub.url, '--interval', '1s', '--no-sse'], env, { uid: user, forMs: 3_000 });
        return dir;
      };
      const db = (dir) => historyDbPath(dir);

      const cases = [
        ['corrupt', async () => { const d = await healthyState(); writeFileSync(db(d), randomBytes(64 * 1024)); return d; }, 'moves aside'],
        ['truncated', async () => { const d = await healthyState(); truncateSync(db(d), Math.floor(statSync(db(d)).size / 2) + 100); return d; }, 'moves aside'],
        ['a directory', async () => { const d = await healthyState(); rmSync(db(d)); mkdirSync(db(d)); return d; }, 'exit 3'],
        ['read-only file', async () => { const d = await healthyState(); chmodSync(db(d), 0o400); return d; }, 'exit 3', 'reads'],
        ['read-only dir', async () => { const d = await healthyState(); chmodSync(d, 0o500); return d; }, 'exit 3', 'reads'],
      ];
      const tmpfsWhy = tmpfsUnavailable();
      if (!tmpfsWhy) {
        cases.push(['full volume', async () => {
          const vol = mountTmpfs('3m');
          cleanups.push(() => vol.cleanup());
          if (asRoot) chownSync(vol.dir, NOBODY, NOBODY);
          const d = await healthyState(vol.dir);
          fillVolume(vol.dir);
          return d;
        }, 'keeps watching', 'reads']);
      }
      for (const [name, make, daemonWants, statusWants = 'exit 3'] of cases) {
        const dir = await make();
        const path = db(dir);
        const st = await run(['status', '--state-dir', dir], env, { uid: user });
        const statusOk = statusWants === 'reads'
          ? (st.code === 0 || st.code === 1) && st.stdout.includes(path)
          : st.code === 3 && oneLine(st.stderr, path);
        const dm = await run(['daemon', '--state-dir', dir, '--hub', hub.url, '--interval', '1s', '--no-sse'], env, { uid: user, forMs: 4_000 });
        const staleLock = existsSync(join(dir, 'daemon.lock'));
        let daemonOk;
        // An unwritable state dir is named itself: the dir, not the file, is what to fix.
        if (daemonWants === 'exit 3') daemonOk = dm.code === 3 && oneLine(dm.stderr, name === 'read-only dir' ? dir : path) && !staleLock;
        else if (daemonWants === 'moves aside') daemonOk = dm.ranUntilStopped && /moved aside/.test(dm.stderr) && !/internal error/.test(dm.stderr) && !staleLock;
        else daemonOk = dm.ranUntilStopped && /disk full at [^"]*history\.sqlite/.test(dm.stderr) && !staleLock;
        const said = (r) => (r.stderr.trim().split('\n')[0] ?? '').replace(dir, '…').slice(0, 140);
        rows.push({
          name, ok: statusOk && daemonOk,
          text: `${name}: status ${statusOk ? 'ok' : 'BROKE'} (exit ${st.code}${st.code === 3 || st.code === null || st.code > 3 ? ` "${said(st)}"` : ''}), daemon ${daemonOk ? 'ok' : 'BROKE'} (${dm.ranUntilStopped ? 'ran' : `exit ${dm.code} "${said(dm)}"`}${staleLock ? ', stale daemon.lock' : ''})`,
        });
        if (name === 'read-only dir') chmodSync(dir, 0o700);
      }
      if (tmpfsWhy) rows.push({ name: 'full volume', ok: false, text: `full volume: not run (${tmpfsWhy})` });
      await sleep(0);
      return { held: rows.every((r) => r.ok), figure: `${rows.filter((r) => r.ok).length} of ${rows.length} cases held; ${rows.map((r) => r.text).join('; ')}` };
    } finally {
      for (const c of cleanups.reverse()) await c();
    }
  },
};
