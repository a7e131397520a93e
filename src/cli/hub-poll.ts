/**
 * What check, validate and anomalies share: load config, resolve the hubs, poll each once within the
 * `--timeout` budget (counted from process start) and confirm a suspected dead server with a second look.
 */
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import { formatDuration } from '../config/duration.js';
import { loadConfig } from '../config/load.js';
import type { MonitorConfig } from '../config/defaults.js';
import { UsageError } from '../errors.js';
import { evaluateHub, needsConfirmation } from '../evaluate/check.js';
import { createHubAgent } from '../sources/http-get.js';
import { pollHub } from '../sources/hub-client.js';
import type { HubSnapshot, HubTarget } from '../model/hub.js';
import { discoverHubs } from '../sources/discovery.js';
import type { GlobalOptions } from './global-options.js';

/** Uptime counts whole seconds, so a second look 1.15 s later tells "just connected" from "dead". */
const CONFIRM_GAP_MS = 1_150;
/** Time kept back from the deadline for evaluation, rendering and exit. */
const EXIT_RESERVE_MS = 40;

export interface HubPollSession {
  config: MonitorConfig;
  targets: HubTarget[];
  /** Absolute monotonic deadline for every request of this command. */
  deadline: number;
  limitLabel: string;
  agent: http.Agent;
  close(): void;
}

/** Loads the config and resolves targets; throws UsageError/ConfigError (exit 3) on bad input. */
export async function openHubPollSession(g: GlobalOptions): Promise<HubPollSession> {
  const config = await loadConfig(g.configFile, g.configExplicit);
  const timeoutMs = g.timeoutMs ?? config.timeout;
  let targets: HubTarget[];
  try {
    targets = discoverHubs({ flagHubs: g.hubs, configHubs: config.hubs, env: process.env, stateDir: g.stateDir });
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  const agent = createHubAgent();
  return {
    config,
    targets,
    // performance.now() counts from process start, so the budget includes our own start-up time.
    deadline: Math.max(performance.now() + 50, timeoutMs - EXIT_RESERVE_MS),
    limitLabel: `the ${formatDuration(timeoutMs)} timeout`,
    agent,
    close: () => agent.destroy(),
  };
}

export interface ConfirmedPoll {
  snapshot: HubSnapshot;
  /** The first look, when a second one was taken to confirm a suspected dead server. */
  earlier?: HubSnapshot;
}

/** Polls one hub and, if a connected server shows uptime 0, looks again once the uptime clock must have moved. */
export async function pollConfirmed(session: HubPollSession, target: HubTarget, deadline = session.deadline): Promise<ConfirmedPoll> {
  const { agent, limitLabel, config } = session;
  const first = await pollHub(target, { deadline, agent, limitLabel });
  if (!needsConfirmation(evaluateHub(first, undefined, config))) return { snapshot: first };
  const wait = Math.max(0, CONFIRM_GAP_MS - (performance.now() - first.monotonicAt));
  // Only confirm when the second look fits in the budget; otherwise report what was seen.
  if (performance.now() + wait + 100 > deadline) return { snapshot: first };
  await new Promise((r) => setTimeout(r, wait));
  const again = await pollHub(target, { deadline, agent, limitLabel, healthOnly: true });
  if (!again.health.ok) return { snapshot: first };
  again.metrics = first.metrics;
  again.routes = first.routes;
  if (first.filtering) again.filtering = first.filtering;
  return { snapshot: again, earlier: first };
}
