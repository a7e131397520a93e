// Shared bench helpers: waiting on a condition, quiet loggers, quantiles, and the alert-row instrumentation
// the alerting benches time against (the store write itself is the instrumentation point).
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
