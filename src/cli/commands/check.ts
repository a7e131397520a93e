/**
 * `check`: one poll of each hub, judged against the thresholds; exit 0/1/2/3. Called by cron and Nagios
 * thousands of times a day, so it stays lean (node:http, no zod unless a config file exists) and always
 * finishes within `--timeout`, counted from process start.
 */
import { evaluateCheck } from '../../evaluate/check.js';
import type { HubSnapshot } from '../../sources/hub-client.js';
import type { GlobalOptions } from '../global-options.js';
import { openHubPollSession, pollConfirmed } from '../hub-poll.js';
import type { CheckFormat } from '../options.js';
import { renderResult, type CommandRun } from '../render-result.js';

/** Runs the check and returns what to print; never throws for anything a hub does. */
export async function runCheck(g: GlobalOptions, format: CheckFormat): Promise<CommandRun> {
  const session = await openHubPollSession(g);
  try {
    const polls = await Promise.all(session.targets.map((t) => pollConfirmed(session, t)));
    const earlier = new Map<string, HubSnapshot>();
    for (const p of polls) if (p.earlier) earlier.set(p.snapshot.target.url, p.earlier);
    const result = evaluateCheck(polls.map((p) => p.snapshot), earlier, session.config, Date.now());
    return renderResult(result, format, g);
  } finally {
    session.close();
  }
}
