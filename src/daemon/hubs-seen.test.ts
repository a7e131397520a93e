import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { HUBS_SEEN_FILE, readHubsSeen } from '../sources/discovery.js';
import type { HubTarget } from '../model/hub.js';
import { HubsSeenRecorder } from './hubs-seen.js';

const A = 'http://127.0.0.1:37373';
const B = 'http://127.0.0.1:9000';
const T = Date.UTC(2026, 10, 25, 9, 0, 0);
const log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mhm-seen-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const discovered: HubTarget = { url: A, origin: 'workspaces', pid: 5653, pidAlive: true };
const named: HubTarget = { url: B, origin: 'flag' };
const file = () => join(dir, HUBS_SEEN_FILE);

test('a discovered hub is written when first seen, then at most once a minute, and its last answer when it stops answering', () => {
  const r = new HubsSeenRecorder(dir, [discovered, named], log);
  r.observe(A, T, true);
  r.observe(B, T, true); // named by --hub: needs no memory
  r.flush(T);
  expect(readHubsSeen(dir)).toEqual([{ url: A, lastSeenAt: T, pid: 5653 }]);
  expect(statSync(file()).mode & 0o777).toBe(0o600);
  r.observe(A, T + 5_000, true);
  r.flush(T + 5_000);
  expect(readHubsSeen(dir)[0]!.lastSeenAt).toBe(T); // within the minute: not rewritten
  r.observe(A, T + 5_000, false); // its next poll failed: the last answer goes to disk now
  r.flush(T + 10_000);
  expect(readHubsSeen(dir)[0]!.lastSeenAt).toBe(T + 5_000);
});

test('a remembered hub that does not answer keeps its time; named hubs alone never touch the file', () => {
  new HubsSeenRecorder(dir, [named], log).flush(T, true);
  expect(() => readFileSync(file())).toThrow();
  const first = new HubsSeenRecorder(dir, [discovered], log);
  first.observe(A, T, true);
  first.flush(T);
  const again = new HubsSeenRecorder(dir, [{ url: A, origin: 'remembered', lastSeenAt: T }], log);
  again.observe(A, undefined, false);
  again.flush(T + 120_000, true);
  expect(readHubsSeen(dir)).toEqual([{ url: A, lastSeenAt: T, pid: 5653 }]);
});
