// Shared bench helpers: waiting on a condition, quiet loggers, quantiles, timing processes in rotation, and
// the alert-row instrumentation the alerting benches time against (the store write itself is the instrumentation point).
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { AlertStore } from '../../dist/store/alert-store.js';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const quiet = { info() {}, warn() {}, error() {} };
export const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];

/** Resolves once `pred()` holds; throws naming `what` after `timeoutMs`. */
export async function until(pred, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) { if (pred()) return; await sleep(5); }
  throw new Error(`timed out waiting for ${what}`);
}

/** Every alert row written from now on, with its time: `{ at, rule, state, server }`. */
export function recordAlertSaves() {
  const saves = [];
  const save = AlertStore.prototype.saveAlert;
  AlertStore.prototype.saveAlert = function (a) {
    const id = save.call(this, a);
    saves.push({ at: performance.now(), rule: a.rule, state: a.state, server: a.labels.server });
    return id;
  };
  return saves;
}

/**
 * Wall time of each process of `runs` ({ name, argv, env }), `rounds` times, the order rotated every round
 * so none always runs on a warm or cold cache; two warm-up rounds are discarded. `accept(run, status)`
 * says whether an exit status counts as a run; any other throws with the output.
 */
export function timeRotated(runs, rounds, accept) {
  const times = runs.map(() => []);
  for (let i = 0; i < rounds + 2; i++) {
    for (let k = 0; k < runs.length; k++) {
      const j = (i + k) % runs.length;
      const r = runs[j];
      const t0 = process.hrtime.bigint();
      const out = spawnSync(r.argv[0], r.argv.slice(1), { env: r.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (!accept(r, out.status)) throw new Error(`${r.name} exited ${out.status}: ${out.stdout}${out.stderr}`);
      if (i >= 2) times[j].push(ms);
    }
  }
  return times;
}
