/** Records SSE observations for tests; `waitFor` resolves once `n` matching ones arrived (before or after the call). */
import type { SseObservation } from '../../src/sources/sse-client.js';

export type Pred = (o: SseObservation) => boolean;

export function recorder(defaultTimeoutMs = 5_000) {
  const seen: SseObservation[] = [];
  const waiters = new Set<() => void>();
  return {
    seen,
    on(o: SseObservation) {
      seen.push(o);
      for (const w of [...waiters]) w();
    },
    count: (pred: Pred) => seen.filter(pred).length,
    waitFor(pred: Pred, n = 1, timeoutMs = defaultTimeoutMs): Promise<SseObservation[]> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hits = seen.filter(pred);
          if (hits.length < n) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hits);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const tail = seen.slice(-12).map((o) => (o.kind === 'close' ? `close:${o.reason}` : o.kind)).join(', ');
          reject(new Error(`wanted ${n} matching observations within ${timeoutMs} ms; saw ${seen.length}, last: ${tail}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
