import { expect, test } from 'vitest';
import { evaluateDaemonLiveness, type DaemonFacts } from './daemon-liveness.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const HUB = 'http://127.0.0.1:7000';

test.each<[string, DaemonFacts, 'ok' | 'warning', RegExp]>([
  ['no lock at all', { lock: 'absent' }, 'warning', /not running \(no daemon lock; no history yet\)/],
  ['a lock whose pid is gone', { lock: { pid: 42, alive: false }, lastWriteMs: NOW - 1_800_000 }, 'warning', /not running \(pid 42 is gone; last write 30m ago\)/],
  ['an unreadable lock', { lock: 'unreadable' }, 'warning', /lock file is unreadable/],
  ['a live daemon that stopped writing', { lock: { pid: 42, alive: true }, lastWriteMs: NOW - 300_000 }, 'warning', /runs but is not recording: last write 5m ago/],
  ['a live daemon writing', { lock: { pid: 42, alive: true }, lastWriteMs: NOW - 4_000 }, 'ok', /daemon running \(pid 42\), last write 4s ago/],
])('%s → %s', (_name, facts, status, message) => {
  const f = evaluateDaemonLiveness(HUB, facts, NOW, 60_000);
  expect(f).toMatchObject({ id: 'daemon.running', status, hub: HUB });
  expect(f.message).toMatch(message);
});
