/**
 * The daemon's side of the traffic tap across config reloads, and what a run does with each message. The
 * socket (jobs/tap-socket.ts) belongs to the process, not to a run: a reload swaps the run that takes the
 * messages while the taps stay connected — closing it on every reload cut every tap's connection, lost the
 * lines in flight and made each tap say the daemon went away. Messages that come between two runs wait,
 * bounded, for the next one.
 *
 * A run's handler (`tapHandler`) matches each call's hub to the watched hubs exactly, after the one URL
 * normalisation the monitor uses for hubs (`http://127.0.0.1:7000/` is `http://127.0.0.1:7000`;
 * `localhost` is not `127.0.0.1`): a call for a hub this daemon does not watch is counted as such — status
 * and /metrics say so — never filed under another hub and never silently dropped. A call failing with
 * "Not connected" is evidence that its server's child is dead.
 */
import { isNotConnected } from '../model/call-stats.js';
import type { CallRecord, TapMessage } from '../model/calls.js';
import type { Clock } from '../model/clock.js';
import type { Logger } from './collector.js';
import { normalizeHub, type CallsLedger } from './calls-ledger.js';
import { tapSocketJob, type TapSocketStats } from './jobs/tap-socket.js';
import type { Job } from './jobs/job.js';

/** Messages kept while no run takes them (a reload takes milliseconds: this is a bound, not a need). */
export const MAX_HELD_MESSAGES = 10_000;

export class TapIntake {
  private readonly job: Job;
  private handler: ((m: TapMessage) => void) | undefined;
  private held: TapMessage[] = [];
  private heldDropped = 0;
  private listening = false;

  constructor(private readonly d: { stateDir: string; clock: Clock; log: Logger; stats: TapSocketStats }) {
    this.job = tapSocketJob({ ...d, onMessage: (m) => this.take(m) });
  }

  /** A run takes the messages from now on, first those that waited for it; the socket opens on the first run. */
  attach(handler: (m: TapMessage) => void): void {
    this.handler = handler;
    const held = this.held;
    this.held = [];
    if (this.heldDropped > 0) this.d.log.warn({ dropped: this.heldDropped, kept: held.length }, 'tap messages that came while no run of the daemon took them, beyond the bound: dropped');
    this.heldDropped = 0;
    for (const m of held) {
      try { handler(m); } catch { /* one message the run could not take: the socket job counts those it sees */ }
    }
    if (!this.listening) {
      this.listening = true;
      this.job.start();
    }
  }

  /** The run stops for a reload: messages wait for the next one; the taps stay connected. */
  detach(): void {
    this.handler = undefined;
  }

  /** The daemon stops: the socket closes and the taps keep their records until a daemon is back. */
  async close(): Promise<void> {
    this.handler = undefined;
    this.listening = false;
    await this.job.stop();
  }

  private take(m: TapMessage): void {
    if (this.handler) return this.handler(m);
    if (this.held.length < MAX_HELD_MESSAGES) this.held.push(m);
    else this.heldDropped++;
  }
}

export interface TapHandlerDeps {
  clock: Clock;
  ledger: CallsLedger;
  /** Whether the daemon watches this hub (a normalised URL). */
  watched(hub: string): boolean;
  /** A call to `server` failed with "Not connected" (at most once a second per server). */
  onDeadEvidence(call: CallRecord, hub: string, server: string): void;
}

/** What a run does with each message of the tap. */
export function tapHandler(d: TapHandlerDeps): (m: TapMessage) => void {
  const deadEvidence = deadEvidenceNotes(d.clock, d.onDeadEvidence);
  return (m) => {
    if (m.kind === 'status') return d.ledger.noteStatus(m.status, d.clock.now());
    const hub = normalizeHub(m.call.hub);
    if (!d.watched(hub)) return d.ledger.noteUnwatched(hub, d.clock.now());
    d.ledger.note({ ...m.call, hub }, d.clock.now());
    deadEvidence({ ...m.call, hub });
  };
}

/** At most one "Not connected" note per server a second: a tap at 2,000 calls/s must not flood the alerting. */
const DEAD_EVIDENCE_EVERY_MS = 1_000;

/** Calls the hub failed with "Not connected", as evidence about their server, throttled per server. */
function deadEvidenceNotes(clock: Clock, note: (call: CallRecord, hub: string, server: string) => void): (call: CallRecord) => void {
  const last = new Map<string, number>();
  return (call) => {
    if (call.server === null || !isNotConnected(call)) return;
    const key = `${call.hub}\u0000${call.server}`;
    const now = clock.monotonic();
    if (now - (last.get(key) ?? -Infinity) < DEAD_EVIDENCE_EVERY_MS) return;
    if (last.size > 10_000) last.clear();
    last.set(key, now);
    note(call, call.hub, call.server);
  };
}
