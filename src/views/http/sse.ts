/**
 * `/api/stream`: Server-Sent Events for dashboards. One timer computes one tick for all clients (a
 * hundred tabs cost one store read, not a hundred); the number of clients is capped (faults E4: the
 * caller answers 503 beyond it), a client that stops reading is dropped instead of buffered without end,
 * and comment heartbeats keep proxies and the socket timeout from cutting an idle stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** SseBroadcaster's settings. */
export interface SseOptions {
  maxClients: number;
  tickMs: number;
  heartbeatMs: number;
  /** The tick's payload, already JSON. */
  tick: () => string;
  log: { warn(o: object, m?: string): void };
  /** Response headers besides the SSE ones (the security headers). */
  headers: Readonly<Record<string, string>>;
}

/** A client whose unsent data passes this is too slow to keep. */
const MAX_BUFFERED_BYTES = 256 * 1024;

/** Pushes ticks and heartbeats to a bounded set of SSE clients. */
export class SseBroadcaster {
  private readonly clients = new Set<ServerResponse>();
  private tickTimer?: NodeJS.Timeout;
  private beatTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly o: SseOptions) {}

  /** Connected clients now. */
  get size(): number {
    return this.clients.size;
  }

  /** Starts streaming to this client; false (nothing written) when full or closing. */
  accept(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.closed || this.clients.size >= this.o.maxClients) return false;
    res.writeHead(200, {
      ...this.o.headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no', // nginx would otherwise hold events back
    });
    req.socket.setNoDelay(true);
    this.clients.add(res);
    const drop = (): void => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stopTimers();
    };
    res.on('close', drop);
    res.on('error', drop);
    this.send(res, `retry: 5000\n\n${this.event()}`);
    this.startTimers();
    return true;
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.closed = true;
    this.stopTimers();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private event(): string {
    try {
      return `event: tick\ndata: ${this.o.tick()}\n\n`;
    } catch (err) {
      this.o.log.warn({ err: String(err) }, 'sse: cannot compute the tick; clients get a heartbeat instead');
      return ': tick unavailable\n\n';
    }
  }

  private send(res: ServerResponse, text: string): void {
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      res.destroy(); // a reader this far behind would make us hold its backlog forever
      return;
    }
    res.write(text);
  }

  private broadcast(text: string): void {
    for (const res of this.clients) this.send(res, text);
  }

  private startTimers(): void {
    if (this.tickTimer) return;
    this.tickTimer = setInterval(() => this.broadcast(this.event()), this.o.tickMs);
    this.beatTimer = setInterval(() => this.broadcast(': heartbeat\n\n'), this.o.heartbeatMs);
    this.tickTimer.unref();
    this.beatTimer.unref();
  }

  private stopTimers(): void {
    clearInterval(this.tickTimer);
    clearInterval(this.beatTimer);
    this.tickTimer = undefined;
    this.beatTimer = undefined;
  }
}
