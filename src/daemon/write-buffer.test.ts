/**
 * The write buffer while the store refuses writes (faults B1, F2): rows are kept in order, a backlog goes in
 * chunks so a volume with a little room back takes what fits, and beyond the bound the oldest rows are
 * dropped, counted and said once per episode.
 */
import { expect, test } from 'vitest';
import { directGate } from '../store/write-gate.js';
import type { EventRow, SampleRow } from './observations.js';
import { FLUSH_CHUNK_ROWS, WriteBuffer } from './write-buffer.js';

const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
const samples = (n: number, from = 0): SampleRow[] => Array.from({ length: n }, (_, i) => ({ hub: 'h', name: 'hub.up', t: from + i, v: 1 }));

/** A store that takes a transaction only while it has room for its rows. */
function volume(room: number) {
  const stored: SampleRow[] = [];
  const events: EventRow[] = [];
  const v = {
    room, stored, events,
    insertSamples(rows: SampleRow[]) { if (rows.length > v.room) throw full(); v.room -= rows.length; stored.push(...rows); },
    insertEvents(rows: EventRow[]) { if (rows.length > v.room) throw full(); v.room -= rows.length; events.push(...rows); },
  };
  return v;
}

test('a backlog is written in chunks: a volume with room for part of it takes that part, in order, and the rest later', () => {
  const store = volume(0);
  const buffer = new WriteBuffer(store, { gate: directGate() });
  const backlog = samples(3 * FLUSH_CHUNK_ROWS + 10);
  expect(buffer.write(backlog, [])).toBe(false);
  expect(buffer.stats.pendingSamples).toBe(backlog.length);

  store.room = FLUSH_CHUNK_ROWS + 100; // a little space back: one transaction of the whole backlog would not fit
  expect(buffer.flush()).toBe(false);
  expect(store.stored).toEqual(backlog.slice(0, FLUSH_CHUNK_ROWS));
  expect(buffer.stats.pendingSamples).toBe(backlog.length - FLUSH_CHUNK_ROWS);

  store.room = Infinity;
  expect(buffer.write(samples(1, 1e6), [{ hub: 'h', t: 1e6, type: 'sse_open' }])).toBe(true);
  expect(store.stored).toEqual([...backlog, ...samples(1, 1e6)]);
  expect(store.events).toHaveLength(1);
  expect(buffer.stats).toEqual({ pendingSamples: 0, pendingEvents: 0, droppedSamples: 0, droppedEvents: 0 });
});

test('beyond the bound the oldest rows are dropped and counted; dropping is said once per episode', () => {
  const store = volume(0);
  const buffer = new WriteBuffer(store, { maxRows: 100, gate: directGate() });
  const said: number[] = [];
  buffer.onDropping = (s) => said.push(s.droppedSamples);
  for (let i = 0; i < 5; i++) buffer.write(samples(40, i * 40), []);
  expect(buffer.stats).toMatchObject({ pendingSamples: 100, droppedSamples: 100 });
  expect(buffer.pendingSamples()[0]!.t).toBe(100); // the newest 100 kept
  expect(said).toEqual([20]);

  store.room = Infinity;
  expect(buffer.flush()).toBe(true);
  store.room = 0;
  for (let i = 0; i < 4; i++) buffer.write(samples(40, 1_000 + i * 40), []);
  expect(said).toEqual([20, 120]); // a new episode is said again (with the total dropped so far)
});
