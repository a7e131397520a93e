/**
 * The errors a user causes or can fix, defined once: bad usage, a bad config, a state dir or history the
 * monitor cannot use, a lock another daemon holds, a bad query parameter. Each carries a stable code, the
 * problem, the fix (its hint) and its cause; `classifyError` turns anything thrown into an exit code and one
 * line. Anything else is a bug, reported as "internal error" with its stack.
 *
 * The CLI is bundled into several files, each with its own copy of these classes, so `instanceof` fails
 * across them: an error is recognised by a brand (a registered symbol), never by its class.
 */
import { EXIT_CODES } from './evaluate/types.js';

/** Why the history database cannot be used. */
export type StoreErrorCode =
  | 'STORE_MISSING'
  | 'STORE_DIR_READONLY'
  | 'STORE_CORRUPT'
  | 'STORE_SCHEMA_NEWER'
  | 'STORE_SCHEMA_OLD'
  | 'STORE_DISK_FULL'
  | 'STORE_NOT_FILE'
  | 'STORE_READONLY'
  | 'STORE_UNUSABLE';

/** Why a state dir was refused. */
export type StateDirErrorCode =
  | 'STATE_DIR_CREATE_FAILED'
  | 'STATE_DIR_MISSING'
  | 'STATE_DIR_NOT_DIR'
  | 'STATE_DIR_SYMLINK'
  | 'STATE_DIR_NOT_OWNED'
  | 'STATE_DIR_PERMISSIONS'
  | 'STATE_DIR_UNWRITABLE'
  | 'STATE_DIR_NETWORK_FS';

/** Every code a user-facing error has; stable, for exit codes, tests and scripts. */
export type ErrorCode =
  | 'USAGE' // a bad command line (or a flag's value in the config)
  | 'CONFIG_INVALID' // the config file: missing, unreadable, bad YAML, a bad key or value
  | 'LOCK_HELD' // another daemon uses this state dir
  | 'BAD_PARAMETER' // a bad query parameter of the JSON API (HTTP 400, never an exit)
  | StoreErrorCode
  | StateDirErrorCode;

const BRAND: unique symbol = Symbol.for('mcp-hub-monitor.error') as never;

export interface ErrorDetails {
  /** What to do about it; printed after the problem. */
  hint?: string;
  /** The error it was made from (an errno, SQLite's refusal). */
  cause?: unknown;
}

/** The problem and its hint as one line: `<problem>. <hint>` (no second full stop after `.`, `;` or `:`). */
export function withHint(problem: string, hint: string | undefined): string {
  if (!hint) return problem;
  return `${problem}${/[.;:]$/.test(problem) ? ' ' : '. '}${hint}`;
}

/** A user-facing error: exit 3 with its message as one line. */
export class MonitorError extends Error {
  readonly [BRAND] = true;
  readonly hint: string | undefined;
  constructor(readonly code: ErrorCode, readonly problem: string, details: ErrorDetails = {}) {
    super(withHint(problem, details.hint), details.cause === undefined ? undefined : { cause: details.cause });
    this.hint = details.hint || undefined;
    this.name = new.target.name;
  }
}

/** A bad command line: `--timeout: not a duration (got "soon"). Write a number and a unit…`. */
export class UsageError extends MonitorError {
  constructor(problem: string, details: ErrorDetails = {}) {
    super('USAGE', problem, details);
  }
}

/** `<file>: <key path>: <what is wrong> (got <value>). <what to do>.` */
export class ConfigError extends MonitorError {
  constructor(readonly file: string, readonly key: string, problem: string, hint = '', cause?: unknown) {
    super('CONFIG_INVALID', `${file}: ${key ? `${key}: ` : ''}${problem}`, { hint, cause });
  }
}

/** The history database is absent, damaged, of another schema, or cannot be opened; names the file. */
export class StoreError extends MonitorError {
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, readonly path: string, problem: string, details: ErrorDetails = {}) {
    super(code, problem, details);
  }
}

/** A state dir we will not use (missing, a symlink, someone else's, writable by others, on NFS…). */
export class StateDirError extends MonitorError {
  declare readonly code: StateDirErrorCode;
  constructor(code: StateDirErrorCode, readonly dir: string, problem: string, details: ErrorDetails = {}) {
    super(code, problem, details);
  }
}

/** A bad query parameter of the JSON API: the server answers 400 `{ error, parameter }`. */
export class ParamError extends MonitorError {
  constructor(readonly parameter: string, problem: string) {
    super('BAD_PARAMETER', `${parameter}: ${problem}`);
  }
}

/** Whether `err` is one of ours (of this code, when given), whichever bundle file made it: never `instanceof`. */
export function isMonitorError(err: unknown, code?: ErrorCode): err is MonitorError {
  return typeof err === 'object' && err !== null && (err as { [BRAND]?: unknown })[BRAND] === true
    && (code === undefined || (err as MonitorError).code === code);
}

/** How a run that threw ends: its exit code, and what to print on stderr (nothing when already said). */
export interface ErrorOutcome {
  exitCode: number;
  message?: string;
}

/** Commander's ways out that are not errors (it has printed what was asked). */
const COMMANDER_OK = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/**
 * The one classifier: our errors are one line and exit 3 (UNKNOWN: the monitor could not judge); commander's
 * usage errors were printed by commander (exit 3; help and version exit 0); anything else is a bug, shown
 * with its stack.
 */
export function classifyError(err: unknown): ErrorOutcome {
  if (isMonitorError(err)) return { exitCode: EXIT_CODES.unknown, message: err.message.replace(/\s*\n\s*/g, ' ') };
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('commander.')) return { exitCode: COMMANDER_OK.has(code) ? EXIT_CODES.ok : EXIT_CODES.unknown };
  return { exitCode: EXIT_CODES.unknown, message: `internal error: ${(err as Error | null)?.stack ?? String(err)}` };
}

/** Shows a config value in an error without dumping a huge or multi-line one. */
export function showValue(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
