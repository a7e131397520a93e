/**
 * Runs the daemon as a real child process against a hub and reads what it stored, synchronising on the
 * store (never on time). Shared by the real-hub daemon tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import type { RunningHub } from '../../src/demo/hub-launcher.js';
import { CLI_PATH, isolatedEnv } from './cli.js';
import { tempDir } from './temp-dir.js';
import { waitUntil } from './wait.js';
import { historyDbPath } from '../../src/config/paths.js';

export interface StoredEvent { type: string; server: string | null; data: string | null; t: number }
export interface StoredSample { name: string; labels: string; t: number; v: number | null; err: string | null }

export type DaemonChild = ChildProcess & { stderrText: () => string };

/** A state dir for one daemon, removed after the test file. */
export const stateDir = (): string => tempDir('mhm-daemon-');

/**
 * Starts `daemon --interval 1s` on `hub` with the hub's HOME; `cleanups` gets a SIGKILL for it. Options:
 * `env` (e.g. to give it a default config file), `discover` (no --hub: it finds the hub as a user's daemon
 * would, through workspaces.json).
 */
export function startDaemonProcess(
  hub: RunningHub, state: string, extra: string[], cleanups: (() => unknown)[],
  opts: { env?: Record<string, string>; discover?: boolean } = {},
): DaemonChild {
  const env = opts.env ?? isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const hubArgs = opts.discover ? [] : ['--hub', hub.url];
  const child = spawn(process.execPath, [CLI_PATH, 'daemon', '--state-dir', state, ...hubArgs, '--interval', '1s', ...extra], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return Object.assign(child, { stderrText: () => err });
}

function readDb<T>(state: string, sql: string): T[] {
  try {
    const db = new Database(historyDbPath(state), { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}

export function storedEvents(state: string): StoredEvent[] {
  return readDb<StoredEvent>(state, 'SELECT type, server, data, t FROM events ORDER BY t, id');
}

export interface StoredAlert { rule: string; hub: string; labels: string; state: string; summary: string }

/** The alerts the daemon stored for one rule, in any state. */
export function storedAlerts(state: string, rule: string): StoredAlert[] {
  return readDb<StoredAlert>(state, `SELECT rule, hub, labels, state, summary FROM alerts WHERE rule = '${rule.replace(/'/g, "''")}'`);
}

/** Raw samples of one series name, oldest first. */
export function storedSamples(state: string, name: string): StoredSample[] {
  return readDb<StoredSample>(state, `SELECT s.name, s.labels, r.t, r.v, r.err FROM samples r JOIN series s ON s.id = r.series_id WHERE s.name = '${name.replace(/'/g, "''")}' ORDER BY r.t`);
}

/** Polls the store until `pred` holds for something `read` returns; throws with the last rows it had. */
export async function waitForStored<T>(read: () => T[], pred: (x: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  let rows: T[] = [];
  return waitUntil(() => (rows = read()).find(pred), { what: `a stored ${what} to match`, timeoutMs, everyMs: 100, describe: (last) => (last instanceof Error ? last : rows.slice(-20)) });
}

/**
 * Waits until the daemon has stored `n` polls of its hub after `since`: time counted in the daemon's own
 * cycles (each poll is followed by a dispatch), for "nothing more came meanwhile" on a machine of any speed.
 */
export async function waitForPolls(state: string, n: number, since = Date.now(), timeoutMs = 20_000): Promise<void> {
  await waitForStored(() => [storedSamples(state, 'hub.up').filter((r) => r.t > since).length], (k) => k >= n, `${n} polls`, timeoutMs);
}

/** Waits until the daemon has stored an event matching `pred`. */
export async function waitForEvent(state: string, pred: (e: StoredEvent) => boolean, timeoutMs = 15_000): Promise<StoredEvent> {
  return waitForStored(() => storedEvents(state), pred, 'event', timeoutMs);
}
