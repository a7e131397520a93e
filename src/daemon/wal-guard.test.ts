import { statSync } from 'node:fs';
import { expect, test } from 'vitest';
import Database from 'better-sqlite3';
import { useTempStores } from '../../test/support/temp-store.js';
import { guardWal } from './wal-guard.js';

const newStore = useTempStores('mhm-walguard-');
const walBytes = (path: string) => statSync(`${path}-wal`).size;

function storeWithWal() {
  const s = newStore();
  for (let k = 0; k < 40; k++) s.insertSamples(Array.from({ length: 100 }, (_, i) => ({ hub: 'h', name: `m${i}`, t: 1_000 * k, v: k })));
  expect(walBytes(s.path)).toBeGreaterThan(256 * 1024);
  return s;
}

test('a -wal that could take the room left on the volume is folded in and truncated; on a roomy volume it is left alone (faults F2)', () => {
  const s = storeWithWal();
  const wal = walBytes(s.path);
  expect(guardWal(s, 'unused', () => 100 * wal)).toBe(false);
  expect(walBytes(s.path)).toBe(wal);
  expect(guardWal(s, 'unused', () => wal)).toBe(true);
  expect(walBytes(s.path)).toBe(0);
  expect(s.querySamples({ hub: 'h', name: 'm7', from: 0, to: 1e9, resolution: 'raw' })).toHaveLength(40);
});

test('reclaimWal waits for a reader a fifth of a second, not the 5 s busy timeout, and says it could not', () => {
  const s = storeWithWal();
  const reader = new Database(s.path, { readonly: true });
  try {
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM samples').get(); // holds a snapshot in the -wal
    s.insertSamples([{ hub: 'h', name: 'm0', t: 1e9, v: 1 }]);
    const started = performance.now();
    expect(() => s.reclaimWal()).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(s.db.pragma('busy_timeout', { simple: true })).toBe(5_000); // put back
  } finally {
    reader.close();
  }
});
