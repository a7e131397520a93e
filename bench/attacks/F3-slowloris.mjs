// F3: slowloris before authentication. 500 held partial-header connections from 16 loopback addresses;
// /metrics must still answer ≥ 95 % of probes, with the token (200) and without it (its 401).
import { measureSlowloris } from '../lib/slowloris-run.mjs';

export const attack = {
  id: 'F3',
  title: 'slowloris: 500 held partial-header connections before authentication',
  async run() {
    const r = await measureSlowloris({ connections: 500, sources: 16, seconds: 15 });
    const a = r.attacked;
    const pct = (s) => `${s.answered}/${s.probes} (${Math.round(s.pct)} %)`;
    return {
      held: a.token.pct >= 95 && a.none.pct >= 95,
      figure: `/metrics answered ${pct(a.token)} with the token, ${pct(a.none)} without, under ${r.connections} half-open connections from ${r.sources} loopback addresses `
        + `(p50 ${a.token.p50?.toFixed(1)} ms; baseline ${pct(r.calm.token)} at ${r.calm.token.p50?.toFixed(1)} ms; the attacker re-opened ${r.reopened} dropped connections)`,
    };
  },
};
