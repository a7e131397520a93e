/**
 * Bytes of one `GET /api/events` stream → observations, with no I/O: framing by eventsource-parser, our
 * own per-event byte cap, JSON through parseJsonSafe, the fork's `<event>_batch` unwrapping, redaction of
 * subscription payloads, the level of the fork's log entries read from their content, and log flood accounting
 * (docs/hub-api.md §3, §8; faults A16, A18, A19, D6, D9, D14).
 * The client (sse-client.ts) and the benchmark drive it; it never blocks longer than one chunk takes.
 */
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';
import { saneNumber, saneTime } from './hub-models.js';
import { levelByContent } from './log-patterns.js';
import { isRecord, own, parseJsonSafe } from '../model/json.js';
import { createLogFlood, type LogFields } from './sse-flood.js';
import { redactSecrets } from './sse-redact.js';
import { systemClock, type SseClock, type SseInvalidReason, type SseObservation } from './sse-types.js';

export const DEFAULT_MAX_EVENT_BYTES = 1 << 20;
export const DEFAULT_MAX_LOG_EVENTS_PER_SECOND = 50;
export const DEFAULT_SAMPLE_SIZE = 5;

/** The events mcp-hub 4.2.1 sends; the fork wraps each as `<name>_batch` (docs/hub-api.md §8). */
type EventKind = 'hub_state' | 'heartbeat' | 'log' | 'subscription_event';
const KINDS = new Map<string, { kind: EventKind; batch: boolean }>();
for (const kind of ['hub_state', 'heartbeat', 'log', 'subscription_event'] as const) {
  KINDS.set(kind, { kind, batch: false });
  KINDS.set(`${kind}_batch`, { kind, batch: true });
}

/** Payload keys of the *_list_changed subscriptions kept verbatim (full tool objects, for the tool diff). */
const CAPABILITY_KEYS = new Set(['tools', 'resources', 'resourceTemplates', 'prompts']);
const NAME_CHARS = 64;

export interface SseDecoderOptions {
  hub: string;
  emit: (o: SseObservation) => void;
  maxEventBytes?: number;
  flood?: { maxLogEventsPerSecond?: number; sampleSize?: number };
  clock?: SseClock;
}

export interface SseCounters {
  /** Events handled: each inner event of a batch counts once, an invalid wire event once. */
  eventsTotal: number;
  invalidTotal: Record<string, number>;
  heartbeats: number;
  lastEventAt?: number;
}

export interface SseDecoder {
  /**
   * Feeds the raw bytes received at `at`. Returns false when an event went over maxEventBytes: it is
   * dropped and counted, and the caller must reset the connection (the rest of that event is not wanted).
   */
  push(chunk: Buffer, at: number): boolean;
  /** Forgets any partial event and the byte count: call on every new connection. */
  reset(): void;
  /** Emits the pending flood summary, if any. */
  flush(): void;
  readonly counters: SseCounters;
}

const LF = 0x0a;
const CR = 0x0d;
const LFLF = Buffer.from('\n\n');
const LFCR = Buffer.from('\n\r');
const CRCR = Buffer.from('\r\r');

/**
 * Index just past the last blank line in `chunk` (an event boundary), or -1. A blank line is a line
 * terminator followed by another (LF LF, LF CR, CR CR; CRLF counts as one terminator). `prev` is the last
 * byte of the previous chunk, for a pair split across chunks.
 */
export function lastBoundaryEnd(chunk: Buffer, prev: number): number {
  const len = chunk.length;
  let best = chunk.lastIndexOf(LFLF);
  // The hub writes whole events, so a chunk usually ends with "\n\n": then nothing can come later.
  if (best < len - 2) best = Math.max(best, chunk.lastIndexOf(LFCR), chunk.lastIndexOf(CRCR));
  if (best >= 0) return chunk[best + 1] === CR && chunk[best + 2] === LF ? best + 3 : best + 2;
  const first = chunk[0];
  if (len > 0 && ((prev === LF && (first === LF || first === CR)) || (prev === CR && first === CR))) return 1;
  return -1;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function codeOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined; // hub codes are string | number
}

/** Epoch ms from an ISO string or (inside the fork's batches) a number. */
function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number') return saneNumber(v) !== undefined && v > 946_684_800_000 ? v : undefined;
  return saneTime(v);
}

function clip(s: string, n = NAME_CHARS): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** Creates the decoder for one hub's stream; the same decoder serves every reconnect (reset() between). */
export function createSseDecoder(opts: SseDecoderOptions): SseDecoder {
  const { hub, emit } = opts;
  const clock = opts.clock ?? systemClock;
  const maxEventBytes = opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const counters: SseCounters = { eventsTotal: 0, invalidTotal: {}, heartbeats: 0 };
  const flood = createLogFlood({
    hub, clock, emit,
    maxPerSecond: opts.flood?.maxLogEventsPerSecond ?? DEFAULT_MAX_LOG_EVENTS_PER_SECOND,
    sampleSize: opts.flood?.sampleSize ?? DEFAULT_SAMPLE_SIZE,
  });

  let at = 0; // receive time of the chunk being parsed
  let tooLarge = false;
  let sinceBoundary = 0;
  let prevByte = -1;
  let firstText = true;
  let skipLf = false;
  let text = new StringDecoder('utf8'); // invalid UTF-8 becomes U+FFFD (faults D9)
  let forkLevelsReal = false; // this connection's batched log entries carry levels other than "debug"

  const invalid = (reason: SseInvalidReason, detail: string) => {
    counters.invalidTotal[reason] = (counters.invalidTotal[reason] ?? 0) + 1;
    emit({ kind: 'invalid', hub, at, reason, detail });
  };
  const overCap = (detail: string) => {
    if (tooLarge) return; // one event, one count
    tooLarge = true;
    invalid('too_large', detail);
  };

  /** One event, alone or unwrapped from a batch; `fallbackTime` is the batch's own timestamp. */
  const handle = (kind: EventKind, v: unknown, batched: boolean, fallbackTime: unknown) => {
    counters.eventsTotal++;
    counters.lastEventAt = at;
    if (!isRecord(v)) return invalid('shape', `${kind}: data is not a JSON object`);
    const hubTime = timeOf(own(v, 'timestamp') ?? fallbackTime);
    const extra = { ...(hubTime !== undefined ? { hubTime } : {}), ...(batched ? { batched: true as const } : {}) };
    switch (kind) {
      case 'log': {
        const code = codeOf(own(v, 'code'));
        const data = own(v, 'data');
        const server = isRecord(data) ? str(own(data, 'server')) : undefined;
        const type = str(own(v, 'type'));
        const message = str(own(v, 'message')) ?? '';
        // Inside the fork's batches "debug" is all its pino mode ever says, so the content tells the level
        // until the stream shows another level (the fork's default logger sends real ones).
        if (batched && type !== undefined && type !== 'debug') forkLevelsReal = true;
        const log: LogFields = {
          level: batched && type === 'debug' && !forkLevelsReal ? levelByContent(message, code) : type ?? 'unknown',
          message,
          ...(code !== undefined ? { code } : {}),
          ...(server !== undefined ? { server } : {}),
          ...extra,
        };
        flood.add(log, at);
        return;
      }
      case 'hub_state': {
        const state = str(own(v, 'state'));
        if (state === undefined) return invalid('shape', 'hub_state without a string `state`');
        const pid = saneNumber(own(v, 'pid'));
        const port = saneNumber(own(v, 'port'));
        const message = str(own(v, 'message'));
        const code = codeOf(own(v, 'code'));
        emit({
          kind: 'hub_state', hub, at, state,
          ...(pid !== undefined ? { pid } : {}),
          ...(port !== undefined ? { port } : {}),
          ...(own(v, 'has_restarted') === true ? { hasRestarted: true } : {}),
          ...(message !== undefined ? { message } : {}),
          ...(code !== undefined ? { code } : {}),
          ...extra,
        });
        return;
      }
      case 'heartbeat': {
        counters.heartbeats++;
        const connections = saneNumber(own(v, 'connections'));
        emit({ kind: 'heartbeat', hub, at, ...(connections !== undefined ? { connections } : {}), ...extra });
        return;
      }
      case 'subscription_event': {
        const type = str(own(v, 'type'));
        if (type === undefined) return invalid('shape', 'subscription_event without a string `type`');
        const server = str(own(v, 'server'));
        const verbatim = type.endsWith('_list_changed') ? CAPABILITY_KEYS : undefined;
        const payload = redactSecrets(v, verbatim) as Record<string, unknown>;
        emit({ kind: 'subscription', hub, at, type, ...(server !== undefined ? { server } : {}), payload, ...extra });
        return;
      }
    }
  };

  const onEvent = (msg: EventSourceMessage) => {
    const name = msg.event ?? 'message';
    const data = msg.data;
    // data.length counts UTF-16 units, never more than the UTF-8 bytes they came from.
    if (data.length > maxEventBytes || (data.length * 3 > maxEventBytes && Buffer.byteLength(data) > maxEventBytes)) {
      counters.eventsTotal++;
      return overCap(`event "${clip(name)}" is over the ${maxEventBytes}-byte cap`);
    }
    const known = KINDS.get(name);
    if (!known) {
      counters.eventsTotal++;
      return invalid('unknown_event', `unknown event "${clip(name)}"`);
    }
    const parsed = parseJsonSafe(data);
    if (!parsed.ok) {
      counters.eventsTotal++;
      return invalid(parsed.reason === 'depth' ? 'depth' : 'json', `${clip(name)}: ${clip(parsed.message, 200)}`);
    }
    if (!known.batch) return handle(known.kind, parsed.value, false, undefined);
    const events = isRecord(parsed.value) ? own(parsed.value, 'events') : undefined;
    if (!Array.isArray(events)) {
      counters.eventsTotal++;
      return invalid('shape', `${name} without an \`events\` array`);
    }
    const wrapperTime = own(parsed.value as Record<string, unknown>, 'timestamp');
    for (const inner of events) handle(known.kind, inner, true, wrapperTime);
  };

  const onError = (err: ParseError) => {
    if (err.type === 'max-buffer-size-exceeded') overCap(`an event is over the ${maxEventBytes}-byte cap`);
    else invalid('field', clip(err.message, 200)); // `retry: abc`, `retry: -5`, an unknown field
  };

  // `retry:` is ignored (no onRetry): our backoff is our own, and a hostile `retry: 999999999` must not
  // stall us. maxBufferSize is a second guard; our byte count below trips first.
  const parser = createParser({ onEvent, onError, maxBufferSize: maxEventBytes + (256 << 10) });

  return {
    counters,
    push(chunk, receivedAt) {
      at = receivedAt;
      tooLarge = false;
      const end = lastBoundaryEnd(chunk, prevByte);
      sinceBoundary = end < 0 ? sinceBoundary + chunk.length : chunk.length - end;
      if (chunk.length > 0) prevByte = chunk[chunk.length - 1] as number;
      let s = text.write(chunk);
      if (firstText && s.length > 0) {
        firstText = false;
        // eventsource-parser strips a BOM only as undecoded bytes; ours arrive decoded as U+FEFF.
        if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      }
      if (s.length > 0) {
        // A chunk ending in CR leaves eventsource-parser waiting for a possible LF, so a CR-only stream
        // would hold its last event until more bytes come. Complete the CRLF ourselves; drop the LF if it
        // does arrive.
        if (skipLf && s.charCodeAt(0) === LF) s = s.slice(1);
        skipLf = s.charCodeAt(s.length - 1) === CR;
        if (skipLf) s += '\n';
      }
      try {
        parser.feed(s);
      } catch {
        overCap(`an event is over the ${maxEventBytes}-byte cap`); // a terminated parser refuses input
      }
      if (sinceBoundary > maxEventBytes) overCap(`${sinceBoundary} bytes without an event boundary, over the ${maxEventBytes}-byte cap`);
      return !tooLarge;
    },
    reset() {
      parser.reset();
      text = new StringDecoder('utf8');
      firstText = true;
      skipLf = false;
      sinceBoundary = 0;
      prevByte = -1;
      tooLarge = false;
      forkLevelsReal = false; // a restarted fork may log in the other mode
    },
    flush: () => flood.flush(),
  };
}
