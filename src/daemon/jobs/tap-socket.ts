/**
 * The daemon's end of the traffic tap: a Unix socket in the state dir (`tap.sock`, 0600) where any number
 * of taps write one JSON line per forwarded call (model/calls.ts). A tap is untrusted input that must
 * never hurt the daemon: lines are capped (a longer one is dropped, not buffered: only that line is lost),
 * connections are capped, bad lines are counted and logged at most once a minute, and a tap that stalls or
 * vanishes mid-line costs nothing but its half line. The daemon holds the state dir's lock, so a socket
 * file left by a killed daemon is stale: it is removed at start, and this run's removed at stop.
 */
import { lstatSync, chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseTapLine, TAP_SOCKET_FILE, type TapMessage } from '../../model/calls.js';
import type { Clock } from '../../model/clock.js';
import type { Logger } from '../collector.js';
import type { Job } from './job.js';

/** Longest line kept: a record is well under 2 KB (its strings are capped by the tap). */
export const MAX_TAP_LINE_BYTES = 64 * 1024;
/** Taps connected at once; one more is refused (a tap per hub is the use). */
export const MAX_TAP_CONNECTIONS = 32;
/** Linux's sun_path holds 108 bytes with the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;
const BAD_LINE_LOG_EVERY_MS = 60_000;

/** What the socket has seen since the daemon started (also across reloads: the caller keeps it). */
export interface TapSocketStats {
  path: string;
  listening: boolean;
  /** Why the daemon cannot take taps (a path too long for a socket, a listen error); undefined when it can. */
  problem?: string;
  connections: number;
  /** Connections ever accepted, and when a tap last connected and the last one went away (epoch ms). */
  accepted: number;
  lastConnectedAt?: number;
  lastGoneAt?: number;
  messages: number;
  /** Lines that were not a message (not JSON, another wire version, a bad record, a half line at close). */
  badLines: number;
  /** Lines longer than MAX_TAP_LINE_BYTES, dropped. */
  oversizedLines: number;
  refusedConnections: number;
}

export const newTapSocketStats = (stateDir: string): TapSocketStats => ({
  path: join(stateDir, TAP_SOCKET_FILE), listening: false, connections: 0, accepted: 0, messages: 0, badLines: 0, oversizedLines: 0, refusedConnections: 0,
});

export interface TapSocketDeps {
  stateDir: string;
  clock: Clock;
  log: Logger;
  /** Kept by the caller so counts survive a config reload. */
  stats: TapSocketStats;
  onMessage(message: TapMessage): void;
}

export function tapSocketJob(d: TapSocketDeps): Job {
  const { stats, log, clock } = d;
  const path = stats.path;
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let lastBadLog = -Infinity;
  let badSinceLog = 0;

  const noteBad = (why: string) => {
    stats.badLines++;
    badSinceLog++;
    const now = clock.monotonic();
    if (now - lastBadLog < BAD_LINE_LOG_EVERY_MS) return;
    log.warn({ why: why.slice(0, 200), badLines: badSinceLog, total: stats.badLines }, 'the tap sent lines that are not calls: skipped (logged at most once a minute)');
    lastBadLog = now;
    badSinceLog = 0;
  };

  const onLine = (line: string) => {
    if (line.trim() === '') return;
    const parsed = parseTapLine(line);
    if (!parsed.ok) return noteBad(parsed.why);
    stats.messages++;
    try {
      d.onMessage(parsed.message);
    } catch (err) {
      noteBad(`a message the daemon could not take: ${String(err)}`);
    }
  };

  const accept = (socket: Socket) => {
    if (sockets.size >= MAX_TAP_CONNECTIONS) {
      stats.refusedConnections++;
      socket.destroy();
      return;
    }
    sockets.add(socket);
    stats.accepted++;
    stats.connections = sockets.size;
    stats.lastConnectedAt = clock.now();
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let skipping = false; // inside a line over the cap: drop up to its newline
    socket.on('data', (chunk: Buffer) => {
      let from = 0;
      for (let nl = chunk.indexOf(10, from); nl >= 0; nl = chunk.indexOf(10, from)) {
        const piece = chunk.subarray(from, nl);
        from = nl + 1;
        if (skipping || pendingBytes + piece.length > MAX_TAP_LINE_BYTES) {
          if (!skipping) stats.oversizedLines++;
          skipping = false;
        } else onLine(Buffer.concat([...pending, piece]).toString('utf8'));
        pending = [];
        pendingBytes = 0;
      }
      const rest = chunk.subarray(from);
      if (skipping || rest.length === 0) return;
      if (pendingBytes + rest.length > MAX_TAP_LINE_BYTES) {
        stats.oversizedLines++;
        skipping = true;
        pending = [];
        pendingBytes = 0;
        return;
      }
      pending.push(Buffer.from(rest)); // a copy: the chunk's memory is reused
      pendingBytes += rest.length;
    });
    const gone = () => {
      if (!sockets.delete(socket)) return;
      if (pendingBytes > 0) noteBad('a half line when the tap disconnected');
      pending = [];
      pendingBytes = 0;
      stats.connections = sockets.size;
      stats.lastGoneAt = clock.now();
    };
    socket.on('error', gone);
    socket.on('close', gone);
  };

  return {
    start() {
      if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
        stats.problem = `the state dir is too deep for the tap's socket: ${path} is ${Buffer.byteLength(path)} bytes, a Unix socket path holds ${MAX_SOCKET_PATH_BYTES}; use a shorter --state-dir to see calls`;
        log.error({ path }, stats.problem);
        return;
      }
      if (!removeStale(path, log, stats)) return;
      const s = createServer({ allowHalfOpen: false }, accept);
      server = s;
      s.on('error', (err) => {
        stats.listening = false;
        stats.problem = `cannot listen on ${path} for the tap: ${String(err)}`;
        log.error({ path, err: String(err) }, 'cannot listen for the tap: no call records');
      });
      s.listen(path, () => {
        try { chmodSync(path, 0o600); } catch { /* the state dir is 0700 anyway */ }
        stats.listening = true;
        stats.problem = undefined;
        log.info({ path }, 'listening for the traffic tap');
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => { s.close(() => resolve()); });
      stats.listening = false;
      stats.connections = 0;
      try { unlinkSync(path); } catch { /* already gone */ }
    },
  };
}

/** Removes a socket file a dead daemon left (we hold the lock); refuses to touch anything else there. */
function removeStale(path: string, log: Logger, stats: TapSocketStats): boolean {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return true;
  }
  if (!st.isSocket()) {
    stats.problem = `${path} exists and is not a socket: the tap cannot reach this daemon; move it away`;
    log.error({ path }, stats.problem);
    return false;
  }
  unlinkSync(path);
  log.info({ path }, 'removed the tap socket a previous daemon left');
  return true;
}
