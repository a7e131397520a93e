// F1 (issue I item 1): the state dir on a 3 MB tmpfs that fills up while the daemon runs. The monitor must
// stay able to see and say: a hub SIGKILL is still notified, a monitor.store CRITICAL reaches the receiver,
// /metrics reports the failed writes and the age of the last successful one (and no stale mcp_hub_up 1),
// and `check --expect-daemon` and `status` say the store cannot write.
import {
  fillVolume, fullVolumeRig, metric, runCli, scrape, sleep, startDaemon, tmpfsUnavailable, until,
} from '../lib/store-faults.mjs';

const s = (ms) => `${(ms / 1000).toFixed(1)} s`;

export const attack = {
  id: 'F1',
  title: 'full disk: state dir on a 3 MB tmpfs fills while the daemon runs, then the hub is SIGKILLed',
  async run() {
    const why = tmpfsUnavailable();
    if (why) return { held: false, figure: `not run: ${why}` };
    const cleanups = [];
    try {
      const { vol, state, hub, hook, port, env, config } = await fullVolumeRig('f1', cleanups);
      const daemon = startDaemon({ state, hubUrl: hub.url, config, env });
      cleanups.push(() => daemon.stop());
      const upFirst = await until(async () => metric(await scrape(port), 'mcp_hub_up') === 1, 30_000);
      if (!upFirst) return { held: false, figure: `the daemon never reported the hub up (${daemon.stderr().slice(-300)})` };

      fillVolume(vol.dir);
      const filledAt = Date.now();
      await sleep(5_000); // several polls that cannot be written
      const killedAt = Date.now();
      process.kill(hub.pid, 'SIGKILL');
      const down = await until(() => hook.find('hub.reachable', 'firing', killedAt), 40_000);
      const store = await until(() => hook.find('monitor.store', 'firing', filledAt), down ? 10_000 : 1);
      const m = await scrape(port);
      const now = Date.now();
      const up = metric(m, 'mcp_hub_up');
      const failures = metric(m, 'mcp_hub_monitor_store_write_failures_total');
      const lastOk = metric(m, 'mcp_hub_monitor_store_last_successful_write_timestamp_seconds');
      const lastOkAge = lastOk === undefined ? undefined : now - lastOk * 1000;
      const check = await runCli(['check', '--hub', hub.url, '--state-dir', state, '--expect-daemon', '--json'], env);
      let running;
      try { running = JSON.parse(check.stdout).checks.find((c) => c.id === 'daemon.running'); } catch { running = undefined; }
      const status = await runCli(['status', '--state-dir', state], env);
      const statusLine = status.stdout.split('\n').find((l) => /write/i.test(l)) ?? status.stdout.split('\n').find((l) => /^store/.test(l)) ?? status.stderr.split('\n')[0] ?? '';

      const held = Boolean(down) && down.at - killedAt <= 15_000 && Boolean(store) && up === 0
        && failures > 0 && lastOkAge !== undefined && lastOkAge >= now - filledAt - 2_000
        && running !== undefined && running.status !== 'ok' && status.code !== 0 && daemon.alive();
      const figure = [
        `hub SIGKILL → webhook ${down ? s(down.at - killedAt) : 'never (40 s)'} while writes fail`,
        `monitor.store CRITICAL ${store ? `delivered ${s(store.at - filledAt)} after the disk filled` : 'never delivered'}`,
        `/metrics mcp_hub_up ${up ?? 'absent'}, write failures ${failures ?? 'absent'}, last successful write ${lastOkAge === undefined ? 'absent' : `${s(lastOkAge)} ago`} (disk full ${s(now - filledAt)} ago)`,
        `check daemon.running ${running ? `${running.status.toUpperCase()} "${running.message}"` : `unreadable (exit ${check.code})`}`,
        `status exit ${status.code} "${statusLine.trim().slice(0, 160)}"`,
        ...(daemon.alive() ? [] : ['the daemon exited']),
      ].join('; ');
      return { held, figure };
    } finally {
      for (const c of cleanups.reverse()) await c();
    }
  },
};
