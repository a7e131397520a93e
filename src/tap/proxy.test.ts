import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { expect, test } from 'vitest';
import { relay } from './proxy.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('relay forwards every chunk in order, holds the source while the destination is full, and ends it after the source', async () => {
  const from = new PassThrough();
  const written: string[] = [];
  const held: (() => void)[] = [];
  // A destination that takes 8 bytes before saying it is full, and finishes a write only when we say so.
  const to = new Writable({ highWaterMark: 8, write(chunk: Buffer, _enc, cb) { written.push(chunk.toString()); held.push(() => cb()); } });
  const seen: string[] = [];
  let done = false;
  relay(from, to, (c) => seen.push(c.toString()), () => { done = true; });

  from.write('aaaaaaaa');
  from.write('bbbb');
  await tick();
  expect(from.isPaused()).toBe(true); // the destination is full: the source waits
  expect(seen).toEqual(['aaaaaaaa']);
  while (held.length > 0) held.shift()!();
  await tick();
  expect(from.isPaused()).toBe(false); // drained: it flows again
  from.end('cc');
  await tick();
  while (held.length > 0) held.shift()!();
  await once(to, 'finish');
  expect(written).toEqual(['aaaaaaaa', 'bbbb', 'cc']);
  expect(seen).toEqual(written);
  expect(done).toBe(true);
});
