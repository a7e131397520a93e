/**
 * The one-shot MCP probes of `check --probe` and `validate`: a round trip through the hub to each connected
 * server's child, in parallel, inside what is left of the --timeout budget. The probe modules load only
 * when probing, so `check` without --probe stays lean.
 */
import { performance } from 'node:perf_hooks';
import { hubIdentity } from '../evaluate/hub.js';
import type { Finding } from '../evaluate/types.js';
import type { HubSnapshot } from '../model/hub.js';
import type { HubPollSession } from './hub-poll.js';

/** server.probe findings for one hub; none when it did not answer or is not a hub. */
export async function probeFindings(session: HubPollSession, snapshot: HubSnapshot): Promise<Finding[]> {
  if (!snapshot.health.ok || hubIdentity(snapshot)) return [];
  const connected = snapshot.health.value.servers.filter((s) => s.status === 'connected').map((s) => s.name);
  if (connected.length === 0) return [];
  const { probeServer } = await import('../sources/server-probe.js');
  const { evaluateProbes } = await import('../evaluate/probes.js');
  const left = session.deadline - performance.now();
  // The hub gets 200 ms of the budget to turn a child's timeout into an answer.
  const timeoutMs = Math.max(50, Math.min(session.config.probes.timeout, left - 200));
  const results = await Promise.all(connected.map((server) => probeServer(snapshot.target.url, server, { timeoutMs, requestTimeoutMs: Math.max(50, left), agent: session.agent })));
  return evaluateProbes(snapshot.target.url, results, { ...session.config, probes: { ...session.config.probes, timeout: timeoutMs } });
}
