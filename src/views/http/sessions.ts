/**
 * Web sessions kept in the daemon's memory (faults F4): the cookie holds a random id (32 bytes from
 * crypto.randomBytes), never the token nor anything derived from it, so a session can end on its own
 * (sign-out) and every session ends when the daemon stops (a token change needs a restart). Ids are
 * stored hashed, so a lookup's timing says nothing about a stored id. Bounded: past `maxSessions` the
 * oldest session ends.
 */
import { createHash, randomBytes } from 'node:crypto';

/** SessionStore's settings; `now` is a monotonic clock in ms (a wall-clock step neither ends nor extends a session). */
export interface SessionOptions {
  ttlMs: number;
  maxSessions: number;
  now: () => number;
}

export const SESSION_TTL_MS = 30 * 86_400_000;
const key = (id: string): string => createHash('sha256').update(id, 'utf8').digest('base64url');

export class SessionStore {
  /** Hashed id → expiry (monotonic ms), oldest first. */
  private readonly sessions = new Map<string, number>();

  constructor(private readonly o: SessionOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Starts a session; returns the id for the cookie. */
  create(): string {
    const id = randomBytes(32).toString('base64url');
    while (this.sessions.size >= this.o.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(key(id), this.o.now() + this.o.ttlMs);
    return id;
  }

  /** Whether `id` is a live session (an expired one is forgotten here). */
  has(id: string | undefined): boolean {
    if (id === undefined || id === '') return false;
    const k = key(id);
    const expires = this.sessions.get(k);
    if (expires === undefined) return false;
    if (this.o.now() >= expires) {
      this.sessions.delete(k);
      return false;
    }
    return true;
  }

  /** Ends one session (sign-out). */
  revoke(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(key(id));
  }
}
