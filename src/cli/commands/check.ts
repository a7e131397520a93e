/**
 * `check`: one poll of each hub, judged against the thresholds; exit 0/1/2/3. Called by cron and Nagios
 * thousands of times a day, so it stays lean (node:http, no zod unless a config file exists) and always
 * finishes within `--timeout`, counted from process start.
 */
import { performance } from 'node:perf_hooks';
import { formatDuration } from '../../config/duration.js';
import { loadConfig } from '../../config/load.js';
import { evaluateCheck, needsConfirmation, evaluateHub } from '../../evaluate/check.js';
import { createHubAgent } from '../../sources/http-get.js';
import { pollHub, type HubSnapshot } from '../../sources/hub-client.js';
import { discoverHubs } from '../../sources/discovery.js';
import { UsageError } from '../../config/errors.js';
import { renderCheckText } from '../../views/check-text.js';
import { toSafeJson } from '../../views/json.js';
import { renderCheckNagios } from '../../views/check-nagios.js';
import { shouldUseColor } from '../../views/sanitize.js';
import type { GlobalOptions } from '../global-options.js';

import type { CheckFormat } from '../options.js';

/** Uptime counts whole seconds, so a second look 1.05 s later tells "just connected" from "dead". */
const CONFIRM_GAP_MS = 1_150;
/** Time kept back from the deadline for evaluation, rendering and exit. */
const EXIT_RESERVE_MS = 40;

export interface CheckRun {
  exitCode: number;
  output: string;
}

/** Runs the check and returns what to print; never throws for anything a hub does. */
export async function runCheck(g: GlobalOptions, format: CheckFormat): Promise<CheckRun> {
  const config = await loadConfig(g.configFile, g.configExplicit);
  const timeoutMs = g.timeoutMs ?? config.timeoutMs;
  // performance.now() counts from process start, so the budget includes our own start-up time.
  const deadline = Math.max(performance.now() + 50, timeoutMs - EXIT_RESERVE_MS);
  let targets;
  try {
    targets = discoverHubs({ flagHubs: g.hubs, configHubs: config.hubs, env: process.env });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const agent = createHubAgent();
  try {
    const limitLabel = `the ${formatDuration(timeoutMs)} timeout`;
    const first = await Promise.all(targets.map((t) => pollHub(t, { deadline, agent, limitLabel })));
    const earlier = new Map<string, HubSnapshot>();
    const final = await Promise.all(first.map(async (snap) => {
      if (!needsConfirmation(evaluateHub(snap, undefined, config))) return snap;
      const wait = CONFIRM_GAP_MS - (performance.now() - snap.monotonicAt);
      // Only confirm when the second look fits in the budget; otherwise report what we saw.
      if (performance.now() + Math.max(0, wait) + 100 > deadline) return snap;
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
      const again = await pollHub(snap.target, { deadline, agent, limitLabel, healthOnly: true });
      if (!again.health.ok) return snap;
      again.metrics = snap.metrics;
      again.routes = snap.routes;
      earlier.set(snap.target.url, snap);
      return again;
    }));
    const result = evaluateCheck(final, earlier, config, Date.now());
    const output = format === 'json' ? `${toSafeJson(result)}\n`
      : format === 'nagios' ? renderCheckNagios(result)
      : renderCheckText(result, { color: shouldUseColor(process.stdout, process.env, g.color), width: process.stdout.columns });
    return { exitCode: result.exitCode, output };
  } finally {
    agent.destroy();
  }
}
