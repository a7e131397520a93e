import { EventEmitter } from 'node:events';
import { expect, test } from 'vitest';
import { capYoungGeneration, NEW_SPACE_CAP } from './young-generation.js';

function world(nodeOptions = ''): { server: EventEmitter; heap: { size: number; factors: number[] }; requests(n: number): void } {
  const server = new EventEmitter();
  const heap = { size: 1 << 20, factors: [] as number[] };
  capYoungGeneration(server, { newSpaceSize: () => heap.size, setGrowthFactor: (f) => heap.factors.push(f) }, nodeOptions);
  return { server, heap, requests: (n) => { for (let i = 0; i < n; i++) server.emit('request'); } };
}

test('the young generation stops growing once at the cap, and may grow again after V8 shrank it', () => {
  const { heap, requests } = world();
  requests(64);
  expect(heap.factors).toEqual([]); // below the cap: V8 grows it as it likes
  heap.size = NEW_SPACE_CAP;
  requests(15);
  expect(heap.factors).toEqual([]); // looked at every 16 requests
  requests(1);
  expect(heap.factors).toEqual([1]);
  requests(64);
  expect(heap.factors).toEqual([1]);
  heap.size = 1 << 20; // shrunk while idle
  requests(16);
  expect(heap.factors).toEqual([1, 2]);
});

test('a size node was given (NODE_OPTIONS=--max-semi-space-size) is left alone', () => {
  const { heap, requests } = world('--max-semi-space-size=8');
  heap.size = 64 << 20;
  requests(64);
  expect(heap.factors).toEqual([]);
});
