import { expect, test } from 'vitest';
import { evaluateDaemonLiveness, type DaemonFacts } from './daemon-liveness.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const HUB = 'http://127.0.0.1:7000';

test.each<[string, DaemonFacts, 'ok' | 'warning', RegExp]>([
  ['no lock at all', { lock: 'absent' }, 'warning', /not running \(no daemon lock; no history yet\)/],
  ['a lock whose pid is gone', { lock: { pid: 42, alive: false }, lastWriteMs: NOW - 1_800_000 }, 'warning', /not running \(pid 42 is gone; last successful write 30m ago\)/],
  ['an unreadable lock', { lock: 'unreadable' }, 'warning', /lock file is unreadable/],
  ['a live daemon that stopped writing', { lock: { pid: 42, alive: true }, lastWriteMs: NOW - 300_000 }, 'warning', /runs but is not recording: last successful write 5m ago/],
  ['a live daemon writing', { lock: { pid: 42, alive: true }, lastWriteMs: NOW - 4_000, freeBytes: 1e9 }, 'ok', /daemon running \(pid 42\), last successful write 4s ago/],
  // Issue I item 1: judged by the daemon's note of its last *successful* write, never by file times.
  ['a live daemon whose writes fail (its note says so)', { lock: { pid: 42, alive: true }, lastWriteMs: NOW - 9_000, writeFailingSince: NOW - 8_000, writeError: 'SQLITE_FULL: database or disk is full', freeBytes: 0 }, 'warning',
    /^the daemon \(pid 42\) runs but cannot write its history for 8s \(SQLITE_FULL: database or disk is full\); its volume is full \(0 B free\): free space there, the daemon resumes writing by itself; last successful write 9s ago, alerts are decided and sent from memory meanwhile$/],
  ['a live daemon whose writes fail for another reason', { lock: { pid: 42, alive: true }, lastWriteMs: NOW - 9_000, writeFailingSince: NOW - 8_000, writeError: 'SQLITE_IOERR_WRITE: disk I/O error', freeBytes: 1e9 }, 'warning',
    /cannot write its history for 8s \(SQLITE_IOERR_WRITE: disk I\/O error\); last successful write 9s ago/],
  ['a full volume and a note too old to be fresh (the note itself could not be written)', { lock: { pid: 42, alive: true }, lastWriteMs: NOW - 20_000, freeBytes: 4_096 }, 'warning',
    /runs but cannot write its history; its volume is full \(4 KiB free\)/],
  ['a full volume and a fresh note: a root daemon writing into reserved blocks', { lock: { pid: 42, alive: true }, lastWriteMs: NOW - 3_000, freeBytes: 0 }, 'ok', /daemon running/],
])('%s → %s', (_name, facts, status, message) => {
  const f = evaluateDaemonLiveness(HUB, facts, NOW, 60_000);
  expect(f).toMatchObject({ id: 'daemon.running', status, hub: HUB });
  expect(f.message).toMatch(message);
});
