/**
 * What a remediation does, and its audit event: heal a server (stop, start, then a probe through the hub
 * to verify that it answers), run a user's command (restart a hub, then wait until it answers; a regression's
 * command). Used by the daemon's remediation job and by the `heal` command, so a heal by hand is the same
 * heal with the same verification and the same record. Every request and the command have a deadline.
 */
import type http from 'node:http';
import { formatDuration } from '../config/duration.js';
import type { Clock } from '../model/clock.js';
import type { NewEvent } from '../model/events.js';
import type { RemediationAction, RemediationResult } from '../model/remediation.js';
import { runProgram } from '../notify/command.js';
import { hubAnswers, startServer, stopServer } from '../sources/hub-control.js';
import { probeServer } from '../sources/server-probe.js';

export interface Outcome {
  result: Extract<RemediationResult, 'healed' | 'done' | 'failed'>;
  /** What was done and how it ended, one line. */
  detail: string;
  durationMs: number;
}

export interface HealOptions {
  /** Deadline of the stop, of the start, and of the probe after them. */
  timeoutMs: number;
  clock: Clock;
  agent?: http.Agent;
  signal?: AbortSignal;
}

const ms = (n: number) => formatDuration(Math.max(0, Math.round(n)));

/**
 * Stops and starts `server` through the hub at `base`, then probes it: healed only when the new child
 * answers. A start alone would be a no-op for a dead child the hub still calls connected.
 */
export async function healServer(base: string, server: string, o: HealOptions): Promise<Outcome> {
  const t0 = o.clock.monotonic();
  const opts = { timeoutMs: o.timeoutMs, agent: o.agent, signal: o.signal };
  const end = (result: Outcome['result'], detail: string): Outcome => ({ result, detail, durationMs: Math.round(o.clock.monotonic() - t0) });
  const stop = await stopServer(base, server, opts);
  if (!stop.ok) return end('failed', `stop failed: ${stop.error}`);
  const start = await startServer(base, server, opts);
  if (!start.ok) return end('failed', `stopped, then the start failed: ${start.error}`);
  if (start.status !== 'connected') return end('failed', `stopped and started, but the hub says ${start.status}`);
  const probe = await probeServer(base, server, { timeoutMs: o.timeoutMs, agent: o.agent });
  if (probe.outcome !== 'alive') return end('failed', `stopped and started, but the probe after it found it ${probe.outcome}${probe.detail ? ` (${probe.detail})` : ''}`);
  return end('healed', `stopped and started through the hub; the new child answers a probe in ${ms(probe.latencyMs)}`);
}

/** A user's command: a string runs with `sh -c`, a list as argv. */
export function commandArgv(command: string | readonly string[]): string[] {
  return typeof command === 'string' ? ['sh', '-c', command] : [...command];
}

export interface CommandOptions {
  command: string | readonly string[];
  /** What the command learns about the action (MHM_*), besides the daemon's environment. */
  env: Record<string, string>;
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal;
}

/** Runs the command; done on exit 0, else failed with why. */
export async function runCommand(o: CommandOptions): Promise<Outcome> {
  const t0 = o.clock.monotonic();
  const d = await runProgram({ argv: commandArgv(o.command), env: o.env, stdin: '' }, {}, o.timeoutMs, o.signal ?? new AbortController().signal, []);
  const durationMs = Math.round(o.clock.monotonic() - t0);
  if (d.kind === 'sent') return { result: 'done', detail: 'the command exited 0', durationMs };
  return { result: 'failed', detail: d.kind === 'skipped' ? d.reason : d.error, durationMs };
}

const HUB_WAIT_EVERY_MS = 1_000;

/**
 * Runs the hub's restart command, then asks the hub's health once a second until it answers: healed when it
 * does within `verifyMs`, failed when the command failed or the hub stays silent.
 */
export async function restartHub(base: string, o: CommandOptions & { verifyMs: number; agent?: http.Agent }): Promise<Outcome> {
  const t0 = o.clock.monotonic();
  const ran = await runCommand(o);
  if (ran.result === 'failed') return ran;
  const until = o.clock.monotonic() + o.verifyMs;
  let last = '';
  for (;;) {
    const left = until - o.clock.monotonic();
    const r = await hubAnswers(base, { timeoutMs: Math.max(500, Math.min(5_000, left)), agent: o.agent, signal: o.signal });
    const durationMs = Math.round(o.clock.monotonic() - t0);
    if (r.ok) return { result: 'healed', detail: `the command exited 0; the hub answers again after ${ms(durationMs)}`, durationMs };
    last = r.error;
    if (o.signal?.aborted || o.clock.monotonic() + HUB_WAIT_EVERY_MS > until) {
      return { result: 'failed', detail: `the command exited 0, but the hub did not answer within ${ms(o.verifyMs)} (${last})`, durationMs };
    }
    await new Promise<void>((resolve) => o.clock.setTimeout(resolve, HUB_WAIT_EVERY_MS));
  }
}

/** The audit record of an attempt, a dry run's decision or a give-up. */
export interface AuditInput {
  action: RemediationAction;
  hub: string;
  server?: string;
  result: RemediationResult;
  /** The alert's text, or why a person asked. */
  why: string;
  /** `rule server.status`, `heal command (user alice)`. */
  who: string;
  dryRun: boolean;
  t: number;
  rule?: string;
  incident?: string;
  detail?: string;
  durationMs?: number;
}

/** The `remediation` event of an attempt. Its texts come from the hub (a server name, an error): readers escape them. */
export function auditEvent(a: AuditInput): NewEvent {
  return {
    hub: a.hub, t: a.t, type: 'remediation', ...(a.server !== undefined ? { server: a.server } : {}),
    data: {
      action: a.action, target: a.server ?? a.hub, why: a.why.slice(0, 500), who: a.who, dryRun: a.dryRun, result: a.result,
      ...(a.rule !== undefined ? { rule: a.rule } : {}), ...(a.incident !== undefined ? { incident: a.incident } : {}),
      ...(a.detail !== undefined ? { detail: a.detail.slice(0, 500) } : {}), ...(a.durationMs !== undefined ? { durationMs: a.durationMs } : {}),
    },
  };
}

/** What a dry run would do, in words. */
export function wouldDo(action: RemediationAction, command?: string | readonly string[]): string {
  if (action === 'heal_server') return 'dry run: would stop and start it through the hub, then probe it';
  return `dry run: would run ${JSON.stringify(commandArgv(command ?? '').join(' '))}`;
}
