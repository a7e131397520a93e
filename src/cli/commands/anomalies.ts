/**
 * `anomalies` (replaces detect-anomalies.sh): watches each hub live for a short window (default 10 s) —
 * health polls every second, the hub's process tree CPU/RSS over the window, and its log file before and
 * after — then judges error spikes, flapping, resources, disconnections, log growth and floods, and
 * latency outliers. When the daemon's history store exists, its last hour joins the judgement: flapping
 * over the hour, availability of the hour's polls, and latency against the hour's distribution.
 */
import { parseDuration, DURATION_HINT } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
import { buildResult } from '../../evaluate/check.js';
import { evaluateAnomalies, type AnomalyInputs } from '../../evaluate/anomalies.js';
import { systemClock } from '../../model/clock.js';
import { watchHub } from '../../sources/anomaly-sampler.js';
import type { GlobalOptions } from '../global-options.js';
import { historyFactsIfAny } from '../history-gate.js';
import { openHubPollSession } from '../hub-poll.js';
import type { CheckFormat } from '../options.js';
import { renderResult, type CommandRun } from '../render-result.js';

/** Runs anomalies and returns what to print. */
export async function runAnomalies(g: GlobalOptions, format: CheckFormat, windowText?: string): Promise<CommandRun> {
  let windowMs: number | undefined;
  if (windowText !== undefined) {
    windowMs = parseDuration(windowText);
    if (windowMs === undefined || windowMs < 1_000) throw new UsageError(`--window: not a duration of at least 1s (got ${JSON.stringify(windowText)}). ${DURATION_HINT}`);
  }
  const session = await openHubPollSession(g);
  try {
    const window = windowMs ?? session.config.anomalies.window;
    const timeoutMs = g.timeoutMs ?? session.config.timeout;
    const perHub = await Promise.all(session.targets.map(async (t) => {
      const [observed, history] = await Promise.all([
        watchHub(t, { windowMs: window, timeoutMs, agent: session.agent, limitLabel: session.limitLabel, logs: session.config.logs, clock: systemClock }),
        historyFactsIfAny(g.stateDir, t.url, Date.now()),
      ]);
      const inputs: AnomalyInputs = history ? { ...observed, history } : observed;
      return { snapshot: inputs.polls[inputs.polls.length - 1]!, findings: evaluateAnomalies(inputs, session.config, Date.now()) };
    }));
    return renderResult(buildResult(perHub, session.config, Date.now()), format, g, 'anomalies');
  } finally {
    session.close();
  }
}
