/**
 * Connection accounting for the HTTP server, done at the `connection` event, before a byte is parsed
 * (faults F3: a slowloris used to fill Node's connection cap with partial headers, and every scrape
 * after it was dropped unseen). Three rules:
 *  - at most `maxPerAddress` connections per remote address, loopback included: every 127.0.0.x is its
 *    own address, and one local process can use thousands of them, so the per-address cap is fairness,
 *    not the defence; the defence is the next rule;
 *  - at the total cap, a new connection is not refused: the server sheds a half-open connection instead
 *    (one with no complete request in flight: still sending its headers or body, or idle between
 *    requests), the oldest of the address that holds the most of them. A slowloris's sockets are all
 *    half-open and its addresses hold the most, so a scraper, which sends its request at once, is
 *    neither refused nor shed;
 *  - when nothing can be shed (every slot serves a request), up to `reserve` more connections are let in
 *    on probation (a half-open one there is shed for the next): the server answers their requests only
 *    when they come from loopback with a valid credential (see `onProbation`), so the local Prometheus
 *    still scrapes while the rest waits.
 * Node's headersTimeout (5 s, checked every second) ends a half-open connection that never finishes.
 */
import type { Socket } from 'node:net';

/** ConnectionGuard's limits. */
export interface ConnectionLimits {
  maxConnections: number;
  maxPerAddress: number;
  /** Connections past the caps kept for loopback requests with a valid credential. */
  reserve: number;
}

interface Tracked {
  address: string;
  /** Requests received in full and not yet answered; 0 = half-open (sheddable). */
  busy: number;
  /** Sequence number of the moment it last became half-open: smaller is older. */
  idleSeq: number;
  probation: boolean;
}

/** What the guard did since the last report, for the once-a-minute log line. */
export interface GuardCounts {
  shed: number;
  refused: number;
  probation: number;
}

/** Sent to a shed or refused connection before it is closed: a real client learns why. */
const BUSY_BODY = 'too many connections; try again later\n';
const BUSY_RESPONSE = `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(BUSY_BODY)}\r\n\r\n${BUSY_BODY}`;

export class ConnectionGuard {
  private readonly sockets = new Map<Socket, Tracked>();
  private readonly byAddress = new Map<string, Set<Socket>>();
  private seq = 0;
  private probationCount = 0;
  private counts: GuardCounts = { shed: 0, refused: 0, probation: 0 };

  constructor(private readonly limits: ConnectionLimits, private readonly onPressure: (counts: GuardCounts) => void = () => {}) {}

  /** Connections open now. */
  get size(): number {
    return this.sockets.size;
  }

  /** Call at the server's `connection` event: admits, sheds another to make room, admits on probation, or refuses. */
  admit(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const mine = this.byAddress.get(address);
    // An address at its cap whose connections all serve requests can only use the reserve.
    let probation = (mine?.size ?? 0) >= this.limits.maxPerAddress && !this.shedOldest(mine!);
    if (!probation && this.sockets.size - this.probationCount >= this.limits.maxConnections) probation = !this.shedFromHeaviest(false);
    // No room and nothing to shed: every slot serves a request. The reserve is for whoever proves itself.
    if (probation && this.probationCount >= this.limits.reserve && !this.shedFromHeaviest(true)) {
      this.count('refused');
      socket.on('error', () => {});
      socket.end(BUSY_RESPONSE);
      socket.destroySoon();
      return;
    }
    if (probation) {
      this.count('probation');
      this.probationCount++;
    }
    const t: Tracked = { address, busy: 0, idleSeq: ++this.seq, probation };
    this.sockets.set(socket, t);
    let set = this.byAddress.get(address);
    if (!set) this.byAddress.set(address, (set = new Set()));
    set.add(socket);
    socket.once('close', () => this.forget(socket));
  }

  /** Call at the server's `request` event: the connection is busy from the end of the request until its response is done. */
  requestStarted(req: { socket: Socket; headers: Record<string, unknown>; once(e: 'end', f: () => void): unknown }, res: { once(e: 'close', f: () => void): unknown }): void {
    const t = this.sockets.get(req.socket);
    if (!t) return;
    let counted = false;
    let done = false;
    const start = (): void => {
      if (done || counted) return;
      counted = true;
      t.busy++;
    };
    // A request with a body is complete only when the body is: one sent a byte a second stays sheddable.
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) start();
    else req.once('end', start);
    res.once('close', () => {
      done = true;
      if (!counted) return;
      t.busy--;
      if (t.busy === 0) t.idleSeq = ++this.seq;
    });
  }

  /** Whether this connection came in past the caps: its requests are served only with a loopback credential. */
  onProbation(socket: Socket): boolean {
    return this.sockets.get(socket)?.probation ?? false;
  }

  /** Counts since the last call, reset. */
  takeCounts(): GuardCounts {
    const c = this.counts;
    this.counts = { shed: 0, refused: 0, probation: 0 };
    return c;
  }

  private count(what: keyof GuardCounts): void {
    const first = this.counts.shed + this.counts.refused + this.counts.probation === 0;
    this.counts[what]++;
    if (first) this.onPressure(this.counts);
  }

  /** Sheds the oldest half-open connection of `set` (of one pool, when given); false when every one serves a request. */
  private shedOldest(set: Set<Socket>, pool?: boolean): boolean {
    let oldest: Socket | undefined;
    let seq = Infinity;
    for (const s of set) {
      const t = this.sockets.get(s)!;
      if (t.busy === 0 && (pool === undefined || t.probation === pool) && t.idleSeq < seq) {
        oldest = s;
        seq = t.idleSeq;
      }
    }
    if (!oldest) return false;
    this.shed(oldest);
    return true;
  }

  /**
   * Sheds, in one pool (regular slots or the reserve), from the address holding the most half-open
   * connections; on a tie, the one holding the oldest.
   */
  private shedFromHeaviest(probation: boolean): boolean {
    let heaviest: Set<Socket> | undefined;
    let most = 0;
    let oldest = Infinity;
    for (const set of this.byAddress.values()) {
      let n = 0;
      let min = Infinity;
      for (const s of set) {
        const t = this.sockets.get(s)!;
        if (t.busy === 0 && t.probation === probation) {
          n++;
          min = Math.min(min, t.idleSeq);
        }
      }
      if (n > most || (n === most && n > 0 && min < oldest)) {
        heaviest = set;
        most = n;
        oldest = min;
      }
    }
    return heaviest !== undefined && this.shedOldest(heaviest, probation);
  }

  private shed(socket: Socket): void {
    this.count('shed');
    this.forget(socket);
    socket.on('error', () => {});
    socket.end(BUSY_RESPONSE);
    socket.destroySoon();
  }

  private forget(socket: Socket): void {
    const t = this.sockets.get(socket);
    if (!t) return;
    this.sockets.delete(socket);
    if (t.probation) this.probationCount--;
    const set = this.byAddress.get(t.address);
    set?.delete(socket);
    if (set?.size === 0) this.byAddress.delete(t.address);
  }
}
