/** Fresh stores in temp dirs for store tests, closed and removed after each test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Store } from '../../src/store/store.js';

/** Registers cleanup and returns a factory of open stores (quick_check off: a new file needs none). */
export function useTempStores(prefix: string): () => Store {
  const roots: string[] = [];
  const stores: Store[] = [];
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });
  return () => {
    const r = mkdtempSync(join(tmpdir(), prefix));
    roots.push(r);
    const s = Store.open({ stateDir: join(r, 'state'), quickCheck: false });
    stores.push(s);
    return s;
  };
}
