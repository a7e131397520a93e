/**
 * Runs a configured program per batch (e.g. `gh issue create`, a paging script): the batch as JSON on its
 * stdin, a few `MHM_*` variables in its environment. Exit 0 is `sent`, any other exit `failed` (with ≤ 256
 * bytes of its stderr, redacted), killed by the deadline `retry`. The argv is run as written, without a
 * shell; hub text reaches the program only through stdin and the environment, never as an argument.
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import type { AlertBatch, Delivery, Notifier, NotifierDeps } from './types.js';
import { secret } from './secret.js';
import { logDelivery } from './http.js';
import { sanitiseSnippet } from './delivery.js';
import { formatDuration } from '../config/duration.js';
import { batchTitle, countAlerts, topSeverity } from './summary.js';
import { oneLine, truncateRunes } from './truncate.js';
import { escapeUnsafeJson } from '../model/json.js';

/** Config of a `command` receiver. */
export const commandSchema = z.object({
  command: z.array(z.string().min(1)).min(1)
    .describe('Program and arguments, e.g. ["gh", "issue", "create", "--fill"]; no shell unless you write ["sh", "-c", "…"]'),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'not an environment variable name' }), secret())
    .prefault({}).describe('Extra environment for the program, e.g. GH_TOKEN: env:GH_TOKEN; values are secrets, redacted from errors'),
}).strict();

/** A parsed `command` receiver config. */
export type CommandConfig = z.output<typeof commandSchema>;

/** What the program is started with for a batch. */
export interface CommandRun {
  argv: string[];
  /** The `MHM_*` variables (added to the process environment and the configured `env`). */
  env: Record<string, string>;
  /** The batch as JSON. */
  stdin: string;
}

/** The exact argv, `MHM_*` environment and stdin for a batch. */
export function renderCommand(batch: AlertBatch, cfg: Pick<CommandConfig, 'command'>): CommandRun {
  const { firing, resolved } = countAlerts(batch);
  // Environment values cannot hold NUL and are often echoed raw by scripts, so they are one clean line.
  const env: Record<string, string> = {
    MHM_ALERT_STATUS: batch.status,
    MHM_RECEIVER: oneLine(batch.receiver),
    MHM_GROUP_KEY: oneLine(batch.groupKey),
    MHM_DEDUP_KEY: oneLine(batch.dedupKey),
    MHM_IDEMPOTENCY_KEY: oneLine(batch.idempotencyKey),
    MHM_SEVERITY: topSeverity(batch),
    MHM_FIRING_COUNT: String(firing),
    MHM_RESOLVED_COUNT: String(resolved),
    MHM_TITLE: truncateRunes(batchTitle(batch), 1024),
  };
  if (batch.externalUrl) env.MHM_EXTERNAL_URL = oneLine(batch.externalUrl);
  if (batch.test) env.MHM_TEST = '1';
  // Scripts often print or log what they read: C1 controls and bidi characters are \u-escaped (same JSON value).
  return { argv: [...cfg.command], env, stdin: escapeUnsafeJson(JSON.stringify(batch)) };
}

const STDERR_KEEP = 16 * 1024;

/**
 * Runs a program once with the deadline, in its own process group: `sent` on exit 0, `failed` with its
 * stderr's tail (secrets redacted), `retry` when killed (the deadline, the signal, someone else). Also
 * remediation's commands (daemon/remediate.ts).
 */
export function runProgram(r: CommandRun, extraEnv: Record<string, string>, timeoutMs: number, signal: AbortSignal, secrets: string[]): Promise<Delivery> {
  const [file, ...args] = r.argv as [string, ...string[]];
  const what = `command ${oneLine(file)}`;
  return new Promise((resolve) => {
    // Its own process group, so the deadline also ends what a `sh -c` started.
    const child = spawn(file, args, {
      stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, ...extraEnv, ...r.env }, detached: process.platform !== 'win32',
    });
    let stderr = '';
    let settled = false;
    let ended: 'timeout' | 'abort' | undefined;
    const finish = (d: Delivery) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(d);
    };
    const kill = (why: 'timeout' | 'abort') => {
      ended = why;
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    const onAbort = () => kill('abort');
    const timer = setTimeout(() => kill('timeout'), timeoutMs);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < STDERR_KEEP) stderr += chunk.slice(0, STDERR_KEEP - stderr.length);
    });
    // A program that does not read its stdin closes the pipe: EPIPE is not an error of the notification.
    child.stdin?.on('error', () => {});
    child.stdin?.end(r.stdin);

    child.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? 'not found' : err.code === 'EACCES' ? 'not executable' : (err.code ?? 'cannot start');
      finish({ kind: 'failed', error: `${what}: ${why}` });
    });
    const verdict = (code: number | null, sig: NodeJS.Signals | null): Delivery => {
      if (ended === 'timeout') return { kind: 'retry', error: `${what}: no exit within ${formatDuration(timeoutMs)} (killed)` };
      if (ended === 'abort') return { kind: 'retry', error: `${what}: aborted` };
      if (code === 0) return { kind: 'sent' };
      const tail = sanitiseSnippet(stderr, secrets);
      // Killed by someone else (OOM killer, shutdown): not the program's verdict on the notification.
      if (sig) return { kind: 'retry', error: `${what}: killed by ${sig}${tail ? `: ${tail}` : ''}` };
      return { kind: 'failed', error: `${what} exited with ${code}${tail ? `: ${tail}` : ''}` };
    };
    child.on('close', (code, sig) => finish(verdict(code, sig)));
    // A grandchild can keep stderr open after the program exits; do not wait for it long.
    child.on('exit', (code, sig) => setTimeout(() => finish(verdict(code, sig)), 200).unref());
  });
}

/** A notifier running the configured program once per batch. */
export function createCommandNotifier(name: string, cfg: CommandConfig, deps: NotifierDeps): Notifier {
  const secrets = Object.values(cfg.env);
  return {
    channel: 'command',
    name,
    async send(batch: AlertBatch, signal: AbortSignal) {
      let d: Delivery;
      try {
        d = await runProgram(renderCommand(batch, cfg), cfg.env, deps.timeoutMs, signal, secrets);
      } catch (err) {
        d = { kind: 'failed', error: `command: ${sanitiseSnippet(String((err as Error).message ?? err), secrets)}` };
      }
      logDelivery(deps, 'command', name, d);
      return d;
    },
  };
}
