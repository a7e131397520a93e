/**
 * Where the tap's records go: one line each (tapLine) to the daemon's Unix socket. Sending never waits: a
 * record joins a bounded queue and leaves when the socket takes it. While the daemon is away, restarting
 * or not reading, the queue keeps the newest `capacity` records and counts the ones it drops (oldest first),
 * the tap says so once on stderr, reconnects with backoff, and says so again when the daemon is back. A
 * TapStatus goes first on every connection and then every few seconds, so the daemon knows what it missed.
 */
import net from 'node:net';
import type { Clock } from '../model/clock.js';
import { tapLine, TAP_WIRE_VERSION, type CallRecord, type TapStatus } from '../model/calls.js';

export interface SinkOptions {
  socketPath: string;
  capacity: number;
  /** The fixed part of the status (listen, hub, pid, startedAt). */
  identity: Omit<TapStatus, 'dropped' | 'buffered' | 'otel'>;
  /** The OpenTelemetry export's counts, when the tap exports. */
  otel?: () => TapStatus['otel'];
  clock: Clock;
  log(line: string): void;
  statusEveryMs?: number;
  /** Longest wait between two connection attempts. */
  maxBackoffMs?: number;
}

/** Lines written per socket write at most (one syscall carries many records). */
const BATCH = 256;

export class TapSink {
  private queue: string[] = [];
  private head = 0;
  /** The current connection, also while it is still connecting or closing after an error. */
  private socket: net.Socket | undefined;
  /** Between the socket's 'connect' and its 'close': a daemon is there (it may not be reading). */
  private connected = false;
  private writable = false;
  private flushing = false;
  private backoffMs = 100;
  private retry: unknown;
  private statusTimer: unknown;
  private stopped = false;
  /** Records dropped since start. */
  dropped = 0;
  /** `dropped` when the current run of drops began and was said (undefined: not dropping). */
  private droppedAtLastLog: number | undefined;
  private wasConnected = false;
  private awaySince: number | undefined;

  constructor(private readonly o: SinkOptions) {}

  start(): void {
    this.connect();
    this.tickStatus();
  }

  get buffered(): number {
    return this.queue.length - this.head;
  }

  status(): TapStatus {
    const otel = this.o.otel?.();
    return { ...this.o.identity, dropped: this.dropped, buffered: this.buffered, ...(otel ? { otel } : {}) };
  }

  send(call: CallRecord): void {
    if (this.buffered >= this.o.capacity) {
      this.head++;
      this.dropped++;
      if (this.droppedAtLastLog === undefined) {
        this.droppedAtLastLog = this.dropped - 1;
        this.o.log(`tap: the daemon is not taking records (${this.connected ? 'it stopped reading' : `no daemon at ${this.o.socketPath}`}); the buffer of ${this.o.capacity} is full, dropping the oldest records`);
      }
    }
    this.queue.push(tapLine({ v: TAP_WIRE_VERSION, kind: 'call', call }));
    if (!this.flushing && this.writable) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
  }

  stop(): void {
    this.stopped = true;
    this.o.clock.clearTimeout(this.retry);
    this.o.clock.clearTimeout(this.statusTimer);
    this.socket?.destroy();
  }

  private flush(): void {
    this.flushing = false;
    while (this.writable && this.socket && this.buffered > 0) {
      const end = Math.min(this.queue.length, this.head + BATCH);
      const chunk = this.queue.slice(this.head, end).join('');
      this.head = end;
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (!this.socket.write(chunk)) this.writable = false; // wait for 'drain'
    }
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = net.createConnection(this.o.socketPath);
    this.socket = socket;
    socket.unref();
    socket.on('connect', () => {
      this.backoffMs = 100;
      this.connected = true;
      this.writable = true;
      if (this.wasConnected || this.droppedAtLastLog !== undefined || this.awaySince !== undefined) {
        const lost = this.dropped - (this.droppedAtLastLog ?? this.dropped);
        this.o.log(`tap: the daemon is back at ${this.o.socketPath}; ${lost} records dropped while it was away, ${this.buffered} buffered ones sent now`);
      }
      this.wasConnected = true;
      this.awaySince = undefined;
      this.droppedAtLastLog = undefined;
      socket.write(tapLine({ v: TAP_WIRE_VERSION, kind: 'status', status: this.status() }));
      this.flush();
    });
    socket.on('drain', () => {
      this.writable = true;
      if (this.droppedAtLastLog !== undefined) {
        this.o.log(`tap: the daemon reads again; ${this.dropped - this.droppedAtLastLog} records dropped while it did not`);
        this.droppedAtLastLog = undefined;
      }
      this.flush();
    });
    socket.on('error', () => { /* close follows */ });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.connected = false;
      this.writable = false;
      this.awaySince ??= this.o.clock.now();
      if (this.stopped) return;
      this.retry = this.o.clock.setTimeout(() => this.connect(), this.backoffMs);
      this.backoffMs = Math.min(this.o.maxBackoffMs ?? 5_000, this.backoffMs * 2);
    });
  }

  private tickStatus(): void {
    if (this.stopped) return;
    if (this.socket && this.writable) this.writable = this.socket.write(tapLine({ v: TAP_WIRE_VERSION, kind: 'status', status: this.status() }));
    this.statusTimer = this.o.clock.setTimeout(() => this.tickStatus(), this.o.statusEveryMs ?? 5_000);
  }
}
