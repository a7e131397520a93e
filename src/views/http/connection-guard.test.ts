import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import { ConnectionGuard, type GuardCounts } from './connection-guard.js';

/** The parts of a socket the guard touches; `shed` records what it was sent. */
class FakeSocket extends EventEmitter {
  sent = '';
  closed = false;
  constructor(readonly remoteAddress: string, readonly name: string) { super(); }
  end(text: string): void { this.sent += text; }
  destroySoon(): void {
    this.closed = true;
    this.emit('close');
  }
}

function setup(limits = { maxConnections: 6, maxPerAddress: 4, reserve: 2 }) {
  const pressure: GuardCounts[] = [];
  const guard = new ConnectionGuard(limits, (c) => pressure.push({ ...c }));
  const open = (address: string, name = `${address}#${guard.size}`) => {
    const s = new FakeSocket(address, name);
    guard.admit(s as unknown as Socket);
    return s;
  };
  /** A request arrives in full on `s` (no body); returns its response's end. */
  const request = (s: FakeSocket, headers: Record<string, string> = {}) => {
    const req = Object.assign(new EventEmitter(), { socket: s as unknown as Socket, headers });
    const res = new EventEmitter();
    guard.requestStarted(req, res);
    return { req, finish: () => res.emit('close') };
  };
  return { guard, open, request, pressure };
}

describe('ConnectionGuard', () => {
  test('at the cap a new connection sheds the oldest half-open one of the address holding the most; a 503 tells it why', () => {
    const { guard, open, pressure } = setup();
    const a = [open('127.0.0.2'), open('127.0.0.2'), open('127.0.0.2')];
    const b = [open('127.0.0.3'), open('127.0.0.3')];
    const c = open('127.0.0.4');
    expect(guard.size).toBe(6);
    const probe = open('127.0.0.1');
    expect(a[0]!.closed).toBe(true);
    expect(a[0]!.sent).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*Retry-After: 5/);
    expect([a[1], a[2], ...b, c, probe].some((s) => s!.closed)).toBe(false);
    expect(guard.size).toBe(6);
    expect(pressure).toEqual([{ shed: 1, refused: 0, probation: 0 }]); // said once, at the first shed
    // 127.0.0.2 and .3 now hold 2 each: the tie goes to the address holding the oldest, a[1].
    open('127.0.0.5');
    expect(a[1]!.closed).toBe(true);
    expect(guard.takeCounts()).toEqual({ shed: 2, refused: 0, probation: 0 });
  });

  test('a connection serving a request is never shed; it is half-open again once its response is done', () => {
    const { guard, open, request } = setup({ maxConnections: 2, maxPerAddress: 8, reserve: 0 });
    const busy = open('127.0.0.2');
    const idle = open('127.0.0.2');
    const r = request(busy);
    open('127.0.0.3');
    expect([busy.closed, idle.closed]).toEqual([false, true]);
    r.finish();
    const later = open('127.0.0.4'); // sheds 127.0.0.3's, half-open longer than `busy`
    expect(busy.closed).toBe(false);
    open('127.0.0.5');
    expect([busy.closed, later.closed]).toEqual([true, false]);
    expect(guard.size).toBe(2);
  });

  test('a request whose body has not all arrived is still half-open (a slow POST is a slowloris too)', () => {
    const { open, request } = setup({ maxConnections: 1, maxPerAddress: 8, reserve: 0 });
    const slow = open('127.0.0.2');
    request(slow, { 'content-length': '4000' });
    open('127.0.0.3');
    expect(slow.closed).toBe(true);
    const fast = open('127.0.0.4'); // sheds 127.0.0.3's connection
    const f = request(fast, { 'content-length': '10' });
    f.req.emit('end');
    open('127.0.0.5');
    expect(fast.closed).toBe(false);
  });

  test('one address holds at most maxPerAddress: its own oldest half-open connection makes room, the others are untouched', () => {
    const { guard, open } = setup({ maxConnections: 100, maxPerAddress: 3, reserve: 0 });
    const other = open('127.0.0.9');
    const mine = [open('127.0.0.2'), open('127.0.0.2'), open('127.0.0.2'), open('127.0.0.2')];
    expect(mine.map((s) => s.closed)).toEqual([true, false, false, false]);
    expect(other.closed).toBe(false);
    expect(guard.size).toBe(4);
  });

  test('when every slot serves a request, up to `reserve` more come in on probation; the next sheds a half-open one there, or is refused', () => {
    const { guard, open, request } = setup({ maxConnections: 2, maxPerAddress: 8, reserve: 1 });
    request(open('127.0.0.2'));
    request(open('127.0.0.3'));
    const extra = open('127.0.0.1');
    expect(extra.closed).toBe(false);
    expect(guard.onProbation(extra as unknown as Socket)).toBe(true);
    const next = open('127.0.0.1');
    expect(extra.closed).toBe(true); // half-open on the reserve: shed for the newer one, which is on probation too
    expect(guard.onProbation(next as unknown as Socket)).toBe(true);
    request(next);
    const refused = open('127.0.0.4');
    expect(refused.closed).toBe(true);
    expect(refused.sent).toMatch(/^HTTP\/1\.1 503/);
    expect(guard.takeCounts()).toEqual({ shed: 1, refused: 1, probation: 2 });
    next.destroySoon(); // its place on the reserve frees when it closes
    expect(guard.onProbation(open('127.0.0.1') as unknown as Socket)).toBe(true);
    expect(guard.size).toBe(3);
  });
});
