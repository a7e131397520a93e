/**
 * Waiting for something that happens in its own time (a daemon stores an event, a hub reaches a state, a
 * receiver is sent a request): look again and again until it is there, and fail saying what was awaited and
 * what was last seen. The one poll loop of the tests; a fixed sleep before an assertion is not a wait.
 */

export interface WaitOptions {
  /** What is awaited, for the error: "the hub-down notification". */
  what: string;
  /** Default 10 s. */
  timeoutMs?: number;
  /** The pause between looks (default 50 ms): it only bounds how late the change is noticed. */
  everyMs?: number;
  /** What there is instead, for the error, given what `look` last returned or threw (the default). */
  describe?: (last: unknown) => unknown;
}

type Found<T> = Exclude<T, undefined | null | false>;

/**
 * Calls `look` until it returns something other than undefined, null or false, and returns that. A `look`
 * that throws has not found it yet (a hub still starting refuses connections). Throws after `timeoutMs`
 * naming `what` and what it last saw.
 */
export async function waitUntil<T>(look: () => T | Promise<T>, opts: WaitOptions): Promise<Found<T>> {
  const { what, timeoutMs = 10_000, everyMs = 50 } = opts;
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const got = await look();
      if (got !== undefined && got !== null && got !== false) return got as Found<T>;
      last = got;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last saw: ${await lastSeen(opts.describe, last)}`);
    await new Promise((r) => setTimeout(r, Math.min(everyMs, Math.max(0, end - Date.now()))));
  }
}

async function lastSeen(describe: WaitOptions['describe'], last: unknown): Promise<string> {
  try {
    const seen = describe ? await describe(last) : last;
    if (seen instanceof Error) return `${seen.name}: ${seen.message}`;
    const text = typeof seen === 'string' ? seen : JSON.stringify(seen);
    return text === undefined ? String(seen) : text.length > 4_000 ? `${text.slice(0, 4_000)}…` : text;
  } catch (err) {
    return `(describe failed: ${(err as Error).message})`;
  }
}
