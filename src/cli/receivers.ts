/**
 * The configured receivers as notifiers, for the daemon and `notify test`. A receiver that cannot work on
 * this machine (no notify-send, no D-Bus) is reported at start, not discovered at 3 a.m.
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { Notifier, NotifierLogger } from '../notify/types.js';

/** Total deadline per notification attempt (faults §4 item 1). */
export const NOTIFY_TIMEOUT_MS = 10_000;

export async function buildNotifiers(cfg: MonitorConfig, log: NotifierLogger): Promise<Map<string, Notifier>> {
  const out = new Map<string, Notifier>();
  const entries = Object.entries(cfg.alerting.receivers);
  if (entries.length === 0) return out;
  const { createNotifier } = await import('../notify/index.js');
  for (const [name, rc] of entries) {
    const n = createNotifier(name, rc as never, { log, timeoutMs: NOTIFY_TIMEOUT_MS });
    const why = await n.unavailable?.();
    if (why) log.warn({ receiver: name, channel: n.channel, reason: why }, 'receiver cannot deliver on this machine; its notifications will be counted as skipped');
    out.set(name, n);
  }
  return out;
}
