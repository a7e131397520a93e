/**
 * What a live `anomalies` window observed of one hub (`sources/anomaly-sampler.ts`): the health polls, the
 * process tree over the window and the hub's log before and after, or why a part could not be seen.
 * `evaluate/anomalies.ts` judges them, with the history store's last hour when there is one.
 */
import type { HubSnapshot } from './hub.js';

export interface LogWindowFacts {
  /** The file, or `command: …` when the log comes from a command's output (journalctl). */
  path: string;
  /** Undefined for a command source: there is no file to grow. */
  sizeBytes?: number;
  /** Lines read during the window (timed when read), and how long the window was. */
  windowLines: number;
  windowMs: number;
  /** The most repeated message during the window and how often it appeared. */
  topWindowMessage?: { message: string; count: number };
  /** The most repeated message in the whole file (a flood that already happened). */
  topFileMessage?: { message: string; count: number };
  /** Error lines with their own timestamps (JSON formats), as epoch ms. */
  timedErrors: number[];
  /** Error lines without timestamps (the upstream text log), in the whole file and during the window. */
  untimedErrorsInFile: number;
  untimedErrorsInWindow: number;
  /** Per server: `'<n>' MCP server connected` lines in the file (since the hub's start for the text log). */
  connectsByServer: Map<string, number>;
  /** When the file's content begins: the hub's start for the truncated-at-start text log. */
  fileStartMs?: number;
}

export interface ProcessFacts {
  hubPid: number;
  cpuPercent: number;
  rssBytes: number;
  childCount: number;
  childrenRssBytes: number;
  topChild?: { command: string; cpuPercent: number };
}


export interface WindowObservations {
  /** Health polls taken across the window, oldest first (failed polls included). */
  polls: HubSnapshot[];
  process?: ProcessFacts;
  /** Why process facts are missing (remote hub, another OS, pid not found). */
  processUnavailable?: string;
  log?: LogWindowFacts;
  logUnavailable?: string;
}
