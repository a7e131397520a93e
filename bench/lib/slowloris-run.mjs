// One slowloris measurement against the built daemon: /metrics probed on fresh connections with and
// without the token, first with no attack, then under `connections` held partial-header connections
// from `sources` loopback addresses. Shared by bench/slowloris.mjs and the F3 attack.
import { performance } from 'node:perf_hooks';
import { probe, quantile, startHttpDaemon } from './http-daemon.mjs';
import { startSlowloris } from './slowloris.mjs';

/** Probes /metrics every `everyMs` for `ms`, alternating no token / token; per kind: answered, total, latencies. */
async function probeFor(d, ms, everyMs) {
  const out = { token: { ok: 0, n: 0, ms: [] }, none: { ok: 0, n: 0, ms: [] } };
  const end = performance.now() + ms;
  for (let i = 0; performance.now() < end; i++) {
    const kind = i % 2 === 0 ? 'token' : 'none';
    const t0 = performance.now();
    const r = await probe(d.url, '/metrics', { token: kind === 'token' ? d.token : undefined });
    const o = out[kind];
    o.n++;
    // Answered: 200 with the token; without it the server's 401 (it answered, and said why).
    if (r.status === (kind === 'token' ? 200 : 401)) { o.ok++; o.ms.push(r.ms); }
    const wait = everyMs - (performance.now() - t0);
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  }
  return out;
}

const summary = (o) => ({ answered: o.ok, probes: o.n, pct: o.n ? (100 * o.ok) / o.n : 0, p50: quantile(o.ms, 0.5), p99: quantile(o.ms, 0.99) });

export async function measureSlowloris({ connections = 500, sources = 16, seconds = 20, baselineSeconds = 4, everyMs = 200 } = {}) {
  const d = await startHttpDaemon();
  let attacker;
  try {
    const calm = await probeFor(d, baselineSeconds * 1000, everyMs);
    attacker = startSlowloris({ port: d.port, connections, sources });
    await attacker.until((s) => s.opened >= connections);
    const attacked = await probeFor(d, seconds * 1000, everyMs);
    const held = attacker.stats();
    return {
      connections, sources, heldAtEnd: held.open, reopened: held.closed,
      calm: { token: summary(calm.token), none: summary(calm.none) },
      attacked: { token: summary(attacked.token), none: summary(attacked.none) },
    };
  } finally {
    await attacker?.stop();
    await d.stop();
  }
}
