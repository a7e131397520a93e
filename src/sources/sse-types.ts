/**
 * What the SSE source (`sse-client.ts`) yields: typed, timestamped observations of one hub's
 * `GET /api/events` stream (docs/hub-api.md §3, and §8 for the fork's batches), and the clock it runs on.
 */

/** Why a connection attempt or an open stream ended. */
export type SseCloseReason =
  | 'eof' // the hub ended the response (graceful shutdown or hard restart)
  | 'error' // refused, reset, cut mid-stream (a SIGKILLed hub), no headers in time, resync failed
  | 'watchdog' // no byte at all for watchdogMs (half-open socket)
  | 'status' // a status other than 200 and 204
  | 'content_type' // 200 but not text/event-stream
  | 'unsupported' // 204: the endpoint says it has no stream for us
  | 'too_large' // an event over maxEventBytes: dropped, connection reset
  | 'stopped'; // stop() was called

/** Why an event (or a line of one) was counted and skipped; the stream is kept unless `too_large`. */
export type SseInvalidReason =
  | 'json' // data is not JSON
  | 'depth' // data nested deeper than 64 levels
  | 'shape' // JSON, but not the object the event name promises (no `state`, no `events` array, …)
  | 'unknown_event' // an event name the hub does not send
  | 'too_large' // an event over maxEventBytes
  | 'field'; // a line with an unknown field or an unusable `retry:` (the hub sends neither)

type Base = {
  /** The hub's label. */
  hub: string;
  /** Wall-clock ms when the bytes were received (or the connection changed). */
  at: number;
};

/** Fields of observations that came from a hub event. */
type FromEvent = Base & {
  /** The hub's own `timestamp` as epoch ms (ISO upstream, a number inside the fork's batches). */
  hubTime?: number;
  /** Set when the event arrived inside one of the fork's `<event>_batch` wrappers. */
  batched?: true;
};

export type SseOpen = Base & {
  kind: 'open';
  url: string;
};

export type SseClose = Base & {
  kind: 'close';
  reason: SseCloseReason;
  /** Names the operation and what happened, e.g. `GET http://…/api/events: HTTP 500`. */
  detail: string;
  /** Whether this attempt had got as far as an open stream (false: it failed while connecting). */
  wasOpen: boolean;
  /** Delay before the next attempt; absent after stop(). */
  retryInMs?: number;
};

export type SseHubState = FromEvent & {
  kind: 'hub_state';
  state: string;
  pid?: number;
  port?: number;
  hasRestarted?: boolean;
  /** Only in `state: "error"`. */
  message?: string;
  code?: string;
};

export type SseHeartbeat = FromEvent & {
  kind: 'heartbeat';
  connections?: number;
};

export type SseSubscription = FromEvent & {
  kind: 'subscription';
  /** The subscription type: servers_updated, config_changed, tool_list_changed, workspaces_updated, … */
  type: string;
  server?: string;
  /** The parsed payload with secrets redacted (sse-redact.ts); full tool objects kept. */
  payload: Record<string, unknown>;
};

export type SseLog = FromEvent & {
  kind: 'log';
  level: string;
  message: string;
  code?: string;
  server?: string;
};

/** The `log` events of one second beyond the flood threshold, counted exactly (faults A18). */
export type SseLogSummary = Base & {
  kind: 'log_summary';
  /** Receive time of the first and last summarised event. */
  from: number;
  to: number;
  total: number;
  byLevel: Record<string, number>;
  byCode: Record<string, number>;
  /** The first distinct messages, each capped at 500 chars. */
  sample: string[];
};

export type SseInvalid = Base & {
  kind: 'invalid';
  reason: SseInvalidReason;
  detail: string;
};

export type SseObservation =
  | SseOpen
  | SseClose
  | SseHubState
  | SseHeartbeat
  | SseSubscription
  | SseLog
  | SseLogSummary
  | SseInvalid;

/**
 * Wall time and timers, injected so tests run on a manual clock. Methods (not function properties), so
 * the global `setTimeout`/`clearTimeout` can be passed as they are.
 */
export interface SseClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const systemClock: SseClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
