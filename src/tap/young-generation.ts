/**
 * The tap's V8 young generation, capped at 2 MB semi-spaces unless node was told a size (NODE_OPTIONS=
 * --max-semi-space-size=N). Under load V8 grows it to 2 × 16 MB, most of the tap's RSS, while a forwarded
 * call's objects live for one request; at 1 MB the calls in flight outlive a scavenge and get promoted (five
 * times the bytes promoted a call at 32 in flight), at 2 MB the GC costs what it costs at 16. The maximum is
 * fixed once the heap exists, but V8 reads the growth factor at each growth: every 16 requests (a fraction
 * of the allocation a growth step takes) the space may grow while below the cap and not once there.
 */
import type { EventEmitter } from 'node:events';
import v8 from 'node:v8';

/** V8's new space at most this: two semi-spaces of 2 MB. */
export const NEW_SPACE_CAP = 4 << 20;

export interface V8Heap {
  newSpaceSize(): number;
  setGrowthFactor(factor: number): void;
}

const nodeV8: V8Heap = {
  newSpaceSize: () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0,
  setGrowthFactor: (factor) => v8.setFlagsFromString(`--semi-space-growth-factor=${factor}`),
};

/** Watches `server`'s requests and keeps the young generation within the cap (see above). */
export function capYoungGeneration(server: EventEmitter, heap: V8Heap = nodeV8, nodeOptions = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`): void {
  if (/semi-space/.test(nodeOptions)) return;
  let requests = 0;
  let capped = false;
  server.on('request', () => {
    if (++requests % 16 !== 0 || capped === (heap.newSpaceSize() >= NEW_SPACE_CAP)) return;
    capped = !capped; // reached the cap, or V8 shrank the space while the tap was idle
    heap.setGrowthFactor(capped ? 1 : 2);
  });
}
