/**
 * What remediation can do and how an attempt ends: shared by its decision (evaluate/remediation.ts), its
 * job (daemon/jobs/remediation.ts), the `heal` command and the views that show the `remediation` events.
 */

/** heal_server: stop + start through the hub, then a probe; restart_hub and on_regression: the user's command. */
export type RemediationAction = 'heal_server' | 'restart_hub' | 'on_regression';

/**
 * How an attempt ended. healed: done and verified (the server answers a probe, the hub answers again);
 * done: a command exited 0 (nothing to verify); failed: the reason is in the detail; gave_up: the target
 * reached its limit, nothing more is tried and a person is paged; dry_run: decided, not done.
 */
export type RemediationResult = 'healed' | 'done' | 'failed' | 'gave_up' | 'dry_run';

/** One attempt (or dry-run decision, or give-up) on a target, as the decision reads its history. */
export interface RemediationAttempt {
  action: RemediationAction;
  hub: string;
  /** The server, for heal_server. */
  server?: string;
  /** When it was decided (epoch ms). */
  at: number;
  /** When it ended; null while it runs. */
  endedAt: number | null;
  /** The incident it answered (alert fingerprint @ fired time), if any. */
  incident: string | null;
  dryRun: boolean;
  result: RemediationResult | 'running';
  /** What was done and how it ended, one line. */
  summary: string;
}

/** One key per target: an action on a hub, or on one of its servers. */
export function targetKey(action: RemediationAction, hub: string, server?: string): string {
  return `${action}\u0000${hub}\u0000${server ?? ''}`;
}
