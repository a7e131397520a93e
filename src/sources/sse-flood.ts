/**
 * Log flood accounting (faults A18): the hub can send ~2,168 identical `log` events in milliseconds
 * (docs/hub-api.md §3). Per one-second window the first `maxPerSecond` logs pass as `log` observations; the
 * rest are counted into one `log_summary`, emitted when the window ends. Individual logs plus summary
 * totals always equal the logs received: nothing is dropped, only folded.
 */
import type { SseClock, SseLog, SseLogSummary, SseObservation } from './sse-types.js';

const WINDOW_MS = 1_000;
const SAMPLE_CHARS = 500;
/** Distinct level or code keys per summary; the rest fold into OTHER (hub strings are unbounded). */
const MAX_KEYS = 32;
const MAX_KEY_CHARS = 100;
export const OTHER_KEY = '__other__';

export interface LogFloodOptions {
  hub: string;
  maxPerSecond: number;
  sampleSize: number;
  clock: SseClock;
  emit: (o: SseObservation) => void;
}

/** One log event, before it becomes an observation. */
export type LogFields = Omit<SseLog, 'kind' | 'hub' | 'at'>;

export interface LogFlood {
  /** Counts one log received at `at`: emits it, or folds it into the window's summary. */
  add(log: LogFields, at: number): void;
  /** Emits the pending summary (if any) and starts a fresh window. */
  flush(): void;
  /** flush() and cancel the window timer. */
  dispose(): void;
}

/** The summary being built: the observation's fields plus the messages already sampled. */
type Summary = Omit<SseLogSummary, 'kind' | 'hub' | 'at'> & { seen: Set<string> };

function bump(counts: Record<string, number>, raw: string): void {
  let key = raw.length > MAX_KEY_CHARS ? raw.slice(0, MAX_KEY_CHARS) : raw;
  if (counts[key] === undefined && Object.keys(counts).length >= MAX_KEYS) key = OTHER_KEY;
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Creates the flood accounting for one hub's stream. */
export function createLogFlood(opts: LogFloodOptions): LogFlood {
  const max = Math.max(0, opts.maxPerSecond);
  let windowStart = Number.NEGATIVE_INFINITY;
  let count = 0;
  let summary: Summary | undefined;
  let timer: unknown;

  const flush = () => {
    if (timer !== undefined) opts.clock.clearTimeout(timer);
    timer = undefined;
    windowStart = Number.NEGATIVE_INFINITY;
    count = 0;
    if (!summary) return;
    const s = summary;
    summary = undefined;
    const out: SseLogSummary = {
      kind: 'log_summary', hub: opts.hub, at: opts.clock.now(),
      from: s.from, to: s.to, total: s.total, byLevel: s.byLevel, byCode: s.byCode, sample: s.sample,
    };
    opts.emit(out);
  };

  return {
    add(log, at) {
      // A window is one second of receive time; a clock that went backwards starts a new one.
      if (at >= windowStart + WINDOW_MS || at < windowStart) {
        flush();
        windowStart = at;
      }
      if (++count <= max) {
        opts.emit({ kind: 'log', hub: opts.hub, at, ...log });
        return;
      }
      if (!summary) {
        // Null-prototype maps: levels and codes are hub strings, "__proto__" included (faults D6).
        summary = {
          from: at, to: at, total: 0, sample: [], seen: new Set(),
          byLevel: Object.create(null) as Record<string, number>,
          byCode: Object.create(null) as Record<string, number>,
        };
        timer = opts.clock.setTimeout(flush, Math.max(0, windowStart + WINDOW_MS - opts.clock.now()));
      }
      const s = summary;
      s.to = at;
      s.total++;
      bump(s.byLevel, log.level);
      if (log.code !== undefined) bump(s.byCode, log.code);
      if (s.sample.length < opts.sampleSize) {
        const msg = log.message.length > SAMPLE_CHARS ? log.message.slice(0, SAMPLE_CHARS) : log.message;
        if (!s.seen.has(msg)) {
          s.seen.add(msg);
          s.sample.push(msg);
        }
      }
    },
    flush,
    dispose: flush,
  };
}
