import { expect, test } from 'vitest';
import { waitUntil } from './wait.js';

test('returns what the look found, once it finds it; a throw or undefined/null/false is "not yet"', async () => {
  let n = 0;
  const looks = [undefined, null, false, 'boom', 0] as const;
  const got = await waitUntil(() => {
    const v = looks[n++];
    if (v === 'boom') throw new Error('not listening yet');
    return v;
  }, { what: 'the fifth look', everyMs: 1 });
  expect([got, n]).toEqual([0, 5]);
});

test('times out naming what it awaited and what it last saw', async () => {
  await expect(waitUntil(() => undefined, { what: 'the hub ready', timeoutMs: 30, everyMs: 5, describe: () => ({ state: 'starting' }) }))
    .rejects.toThrow('timed out after 30 ms waiting for the hub ready; last saw: {"state":"starting"}');
  await expect(waitUntil(() => { throw new Error('ECONNREFUSED'); }, { what: 'an answer', timeoutMs: 20, everyMs: 5 }))
    .rejects.toThrow('waiting for an answer; last saw: Error: ECONNREFUSED');
});
