/**
 * When the hub restarted, from its `hub_state` events: both the event stream (source sse) and a poll that
 * catches the state (source poll) record a `restarting`, so one restart is often two events seconds apart.
 * Counted once: a `restarting` within HUB_RESTART_SAME_MS of the one before it is the same restart. The one
 * definition the fleet, the reports and the reconnects band count by.
 */

/** How close two `restarting` events are to be one restart: a poll interval or two after the stream's. */
export const HUB_RESTART_SAME_MS = 30_000;

/** The times the hub began a restart, oldest first. `events` are hub_state events in any order. */
export function hubRestartTimes(events: readonly { t: number; data: unknown }[]): number[] {
  const times = events.filter((e) => (e.data as { state?: unknown } | null)?.state === 'restarting').map((e) => e.t).sort((a, b) => a - b);
  const out: number[] = [];
  let last = -Infinity;
  for (const t of times) {
    if (t - last > HUB_RESTART_SAME_MS) out.push(t);
    last = t;
  }
  return out;
}
