// F2 (issue I item 2): space returns on the full 3 MB tmpfs (half the volume deleted) and the daemon must
// write again by itself, with the polls it held in memory flushed (none lost beyond what it counted as
// dropped) and monitor.store resolved at the receiver. Then a daemon started on the full volume must say
// "disk full at PATH" and keep watching: a hub SIGKILL is still notified.
import { createRequire } from 'node:module';
import { historyDbPath } from '../../dist/config/paths.js';
import {
  fillVolume, fullVolumeRig, freeBytes, metric, removeFile, scrape, sleep, startDaemon, tmpfsUnavailable, until,
} from '../lib/store-faults.mjs';

const Database = createRequire(import.meta.url)('better-sqlite3');
const WATCH_MS = 150_000;
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** hub.up sample times stored so far (a short read-only look; [] while the file cannot be read). */
function upTimes(state) {
  try {
    const db = new Database(historyDbPath(state), { readonly: true, fileMustExist: true });
    try {
      return db.prepare("SELECT r.t FROM samples r JOIN series s ON s.id = r.series_id WHERE s.name = 'hub.up' ORDER BY r.t").all().map((r) => r.t);
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}

export const attack = {
  id: 'F2',
  title: 'space returns: half of the full 3 MB volume is deleted; then a daemon is started on the full volume',
  async run() {
    const why = tmpfsUnavailable();
    if (why) return { held: false, figure: `not run: ${why}` };
    const cleanups = [];
    try {
      const { vol, state, hub, hook, port, env, config } = await fullVolumeRig('f2', cleanups);
      let daemon = startDaemon({ state, hubUrl: hub.url, config, env });
      cleanups.push(() => daemon.stop());
      if (!await until(async () => metric(await scrape(port), 'mcp_hub_up') === 1, 30_000)) {
        return { held: false, figure: `the daemon never reported the hub up (${daemon.stderr().slice(-300)})` };
      }

      // Two fillers: deleting one frees half of what was free.
      const half = fillVolume(vol.dir, 'filler-a', freeBytes(vol.dir) / 2);
      fillVolume(vol.dir, 'filler-b');
      const filledAt = Date.now();
      await sleep(20_000);
      const freedAt = Date.now();
      removeFile(half);
      const resumed = await until(() => upTimes(state).some((t) => t >= freedAt), 30_000);
      const resumeMs = resumed ? Date.now() - freedAt : undefined;
      const resolved = await until(() => hook.find('monitor.store', 'resolved', freedAt), resumed ? 15_000 : 1);
      // Writing must go on, not stop again once the -wal has eaten the freed space (it grows ~13 kB a second
      // with one server polled every second): the longest stretch without a stored poll over 150 s.
      await sleep(Math.max(0, freedAt + WATCH_MS - Date.now()));
      const after = [freedAt, ...upTimes(state).filter((t) => t >= freedAt), Date.now()];
      const longestGap = Math.max(...after.slice(1).map((t, i) => t - after[i]));
      const m = await scrape(port);
      const dropped = metric(m, 'mcp_hub_monitor_dropped_samples_total') ?? 0;
      // Every poll slot of the full period (1 s polls) must be stored, or counted as dropped.
      const slots = Math.floor((freedAt - filledAt) / 1000) - 2;
      const stored = upTimes(state).filter((t) => t > filledAt + 1_000 && t < freedAt - 1_000).length;
      const lost = Math.max(0, slots - stored - dropped);

      // A daemon started on the full volume.
      await daemon.stop();
      fillVolume(vol.dir, 'filler-c');
      daemon = startDaemon({ state, hubUrl: hub.url, config, env });
      await sleep(5_000);
      const says = /disk full at [^"\n]*history\.sqlite/.exec(daemon.stderr())?.[0];
      const aliveAtStart = daemon.alive();
      const killedAt = Date.now();
      process.kill(hub.pid, 'SIGKILL');
      const down = aliveAtStart ? await until(() => hook.find('hub.reachable', 'firing', killedAt), 30_000) : undefined;
      const firstErr = daemon.stderr().split('\n').find((l) => /error|disk|full/i.test(l)) ?? '';

      const held = resumeMs !== undefined && resumeMs <= 10_000 && longestGap <= 10_000 && lost === 0 && Boolean(resolved)
        && aliveAtStart && Boolean(says) && Boolean(down) && down.at - killedAt <= 15_000;
      const figure = [
        `after freeing half the volume: first write ${resumeMs === undefined ? 'never (30 s)' : `${s(resumeMs)} later`}, longest stretch without a stored poll in the next ${s(WATCH_MS)} ${s(longestGap)}`,
        `${stored} of ${slots} polls of the ${s(freedAt - filledAt)} full period stored, ${dropped} counted dropped, ${lost} lost`,
        `monitor.store resolved ${resolved ? 'delivered' : 'never delivered'}`,
        aliveAtStart
          ? `started on the full volume: ${says ? `says "${says.replace(/^.*(disk full at)/, '$1').replace(vol.dir, '…')}"` : 'no "disk full at PATH" line'}, hub SIGKILL → webhook ${down ? s(down.at - killedAt) : 'never (30 s)'}`
          : `started on the full volume: exited ${JSON.stringify(firstErr.slice(0, 200))}`,
      ].join('; ');
      return { held, figure };
    } finally {
      for (const c of cleanups.reverse()) await c();
    }
  },
};
