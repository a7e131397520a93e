/** Driving a ManualClock while real I/O (a hub over HTTP) is in flight. */
import type { ManualClock } from '../../src/model/clock.js';

/** Moves the clock in `stepMs` steps, letting real I/O run between steps, until `p` settles. */
export async function driveClock<T>(clock: ManualClock, p: Promise<T>, stepMs = 10): Promise<T> {
  let settled = false;
  void p.then(() => { settled = true; }, () => { settled = true; });
  while (!settled) {
    await clock.advance(stepMs);
    await new Promise((r) => setImmediate(r));
  }
  return p;
}
