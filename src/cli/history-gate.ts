/**
 * The daemon's history for the one-shot commands, only when there is one: the reader (and the store code
 * behind it) is a bundle of its own, loaded only when `history.sqlite` exists, so `validate` and
 * `anomalies` without a daemon do not parse the store at start-up.
 */
import { existsSync } from 'node:fs';
import { historyDbPath } from '../config/paths.js';
import type { HistoryFacts } from '../evaluate/history.js';

export async function historyFactsIfAny(stateDir: string, hub: string, now: number): Promise<HistoryFacts | undefined> {
  if (!existsSync(historyDbPath(stateDir))) return undefined;
  return (await import('./history-facts.js')).readHistoryFacts(stateDir, hub, now);
}
