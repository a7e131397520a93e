import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { EVENT_TYPES } from './event-types.js';

test('every event type the daemon writes by name is listed (history --events accepts it before it happens)', () => {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(dir, f));
  files.push(join(dir, '..', 'cli', 'commands', 'daemon.ts'));
  const written = new Set<string>();
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/type: '([a-z_]+)'|record\('([a-z_]+)'|'(server_dead)' : '(server_status)'/g)) {
      for (const name of m.slice(1)) if (name) written.add(name);
    }
  }
  expect(written.size).toBeGreaterThan(20);
  expect([...written].filter((t) => !EVENT_TYPES.includes(t))).toEqual([]);
});
