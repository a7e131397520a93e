import { describe, expect, test } from 'vitest';
import { SessionStore } from './sessions.js';

function store(maxSessions = 10) {
  const clock = { t: 0 };
  return { clock, s: new SessionStore({ ttlMs: 1_000, maxSessions, now: () => clock.t }) };
}

describe('SessionStore', () => {
  test('each session is a fresh random id (43 base64url characters, 256 bits), live until its time is up', () => {
    const { clock, s } = store();
    const a = s.create();
    const b = s.create();
    expect(a).toMatch(/^[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect([s.has(a), s.has(b), s.has('forged'), s.has(undefined), s.has('')]).toEqual([true, true, false, false, false]);
    clock.t = 999;
    expect(s.has(a)).toBe(true);
    clock.t = 1_000;
    expect(s.has(a)).toBe(false);
    expect(s.size).toBe(1); // the expired one is forgotten when seen
  });

  test('revoke ends one session and no other', () => {
    const { s } = store();
    const a = s.create();
    const b = s.create();
    s.revoke(a);
    expect([s.has(a), s.has(b)]).toEqual([false, true]);
  });

  test('bounded: past maxSessions the oldest session ends', () => {
    const { s } = store(3);
    const ids = Array.from({ length: 5 }, () => s.create());
    expect(ids.map((id) => s.has(id))).toEqual([false, false, true, true, true]);
    expect(s.size).toBe(3);
  });
});
