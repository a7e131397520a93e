/**
 * Desktop notifications through `notify-send` (libnotify). Under cron, ssh or a service manager there is
 * no session bus, so the channel reports itself unavailable at config validation and then counts sends as
 * `skipped` instead of retrying forever (faults C14). No shell is involved: argv goes to execFile, after a
 * `--` so a server named `--icon=…` is text, and the body escapes the markup notification daemons render.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { z } from 'zod';
import type { AlertBatch, AlertSeverity, Delivery, Notifier, NotifierDeps } from './types.js';
import { logDelivery } from './http.js';
import { sanitiseSnippet } from './delivery.js';
import { formatDuration } from '../config/duration.js';
import { alertLine, batchTitle, escapeHtml, listWithin, topSeverity } from './summary.js';
import { truncateRunes } from './truncate.js';

/** Title limit in runes: notification bubbles show a line or two. */
export const DESKTOP_TITLE_RUNES = 200;
/** Body limit in runes. */
export const DESKTOP_BODY_RUNES = 1000;

/** Config of a `desktop` receiver. */
export const desktopSchema = z.object({
  app_name: z.string().min(1).default('mcp-hub-monitor').describe('Application name shown by the notification daemon'),
}).strict();

/** A parsed `desktop` receiver config. */
export type DesktopConfig = z.output<typeof desktopSchema>;

const URGENCY: Record<AlertSeverity, 'critical' | 'normal' | 'low'> = { critical: 'critical', warning: 'normal', info: 'low' };

/** notify-send urgency of a batch: critical → critical, warning → normal, info or resolved → low. */
export function desktopUrgency(batch: AlertBatch): 'critical' | 'normal' | 'low' {
  return batch.status === 'resolved' ? 'low' : URGENCY[topSeverity(batch)];
}

/** The exact notify-send argv (without the program) for a batch. */
export function renderDesktop(batch: AlertBatch, cfg: Pick<DesktopConfig, 'app_name'>): string[] {
  // The summary (title) is plain text by the notification spec; the body may be rendered as markup.
  const title = truncateRunes(batchTitle(batch), DESKTOP_TITLE_RUNES);
  const body = listWithin(batch.alerts.map((a) => truncateRunes(alertLine(a), 300)), {
    budget: DESKTOP_BODY_RUNES, maxItems: 5,
  });
  return [`--app-name=${cfg.app_name}`, `--urgency=${desktopUrgency(batch)}`, '--', title, escapeHtml(body)];
}

async function findOnPath(cmd: string, pathEnv: string | undefined): Promise<string | undefined> {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, cmd);
    try {
      await access(file, constants.X_OK);
      if ((await stat(file)).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Where notify-send is, or why desktop notifications cannot work in this environment. */
export async function locateNotifySend(env: NodeJS.ProcessEnv = process.env): Promise<{ file: string } | { reason: string }> {
  const file = await findOnPath('notify-send', env.PATH);
  if (!file) return { reason: 'notify-send is not on PATH (install libnotify-bin or libnotify)' };
  if (!env.DBUS_SESSION_BUS_ADDRESS && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { reason: 'no desktop session: DBUS_SESSION_BUS_ADDRESS, DISPLAY and WAYLAND_DISPLAY are all unset (cron, ssh or a service?)' };
  }
  return { file };
}

function run(file: string, args: string[], timeoutMs: number, signal: AbortSignal): Promise<Delivery> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', signal, maxBuffer: 64 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve({ kind: 'sent' });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number; signal?: string | null };
      if (e.name === 'AbortError') return resolve({ kind: 'retry', error: 'notify-send: aborted' });
      if (e.killed) return resolve({ kind: 'retry', error: `notify-send: no exit within ${formatDuration(timeoutMs)}` });
      // Removed between the check and the call.
      if (e.code === 'ENOENT') return resolve({ kind: 'skipped', reason: 'notify-send is not on PATH' });
      const why = sanitiseSnippet(String(stderr));
      resolve({ kind: 'failed', error: `notify-send exited with ${String(e.code ?? e.signal ?? 'an error')}${why ? `: ${why}` : ''}` });
    });
  });
}

/** A notifier showing each batch as one desktop notification. */
export function createDesktopNotifier(name: string, cfg: DesktopConfig, deps: NotifierDeps): Notifier {
  return {
    channel: 'desktop',
    name,
    async unavailable() {
      const where = await locateNotifySend();
      return 'reason' in where ? where.reason : undefined;
    },
    async send(batch, signal) {
      let d: Delivery;
      try {
        // Checked on every send: the session can come and go (a laptop's user logs out).
        const where = await locateNotifySend();
        d = 'reason' in where
          ? { kind: 'skipped', reason: where.reason }
          : await run(where.file, renderDesktop(batch, cfg), deps.timeoutMs, signal);
      } catch (err) {
        d = { kind: 'failed', error: `notify-send: ${sanitiseSnippet(String((err as Error).message ?? err))}` };
      }
      logDelivery(deps, 'desktop', name, d);
      return d;
    },
  };
}
