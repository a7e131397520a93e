/**
 * The daemon's built-in schedule (replaces the guide's crontab): an anomaly pass and the full validation
 * on cron patterns from the config. Each job runs the same command a person would (`anomalies`, `validate`,
 * as a child process with `--json`, so a job can never take the daemon down), and its verdict is stored
 * as a `job_result` event: status, exit code and the checks that were not OK.
 */
import { spawn } from 'node:child_process';
import type { EventRow } from './observations.js';
import type { Logger } from './collector.js';

export interface JobSpec {
  /** anomalies and validate print the check JSON; the others (reports, the daily baseline) write files. */
  name: string;
  pattern: string;
  /** The command and its flags (default: [name, '--json']). */
  args?: string[];
}

/** The built-in schedule (the guide's crontab): what each configured job runs. */
export function scheduledJobs(schedule: Record<string, string>): JobSpec[] {
  const commands: Record<string, string[]> = {
    anomalies: ['anomalies', '--json'],
    validate: ['validate', '--json'],
    summary: ['summary', '--save'],
    report_weekly: ['report', 'weekly', '--save'],
    report_monthly: ['report', 'monthly', '--save'],
    baseline: ['measure', '--duration', '60s', '--json'],
  };
  return Object.entries(commands).map(([name, args]) => ({ name, pattern: schedule[name] ?? '', args }));
}

export interface JobDeps {
  /** argv of this CLI (node + script), to run the job's command. */
  cliArgv: string[];
  /** Global options to pass on (--hub…, --config, --state-dir). */
  globalArgs: string[];
  record: (events: EventRow[]) => void;
  log: Logger;
  now: () => number;
  /** Kill a job that runs longer than this. */
  timeoutMs?: number;
}

interface CheckDoc {
  status: string;
  exitCode: number;
  hubs: { url: string }[];
  checks: { id: string; status: string; subject?: string; message: string; hub: string }[];
}

/** Runs one job now and records its result; never throws. */
export async function runJob(job: JobSpec['name'], deps: JobDeps, command: string[] = [job, '--json']): Promise<EventRow[]> {
  const started = deps.now();
  const [node, script] = deps.cliArgv as [string, string];
  const args = [script, ...command, ...deps.globalArgs];
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { if (out.length < 8 << 20) out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { if (err.length < 64 << 10) err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), deps.timeoutMs ?? 120_000);
    child.once('error', (e) => { clearTimeout(timer); resolve({ code: null, stdout: '', stderr: e.message }); });
    child.once('close', (c) => { clearTimeout(timer); resolve({ code: c, stdout: out, stderr: err }); });
  });
  let doc: CheckDoc | undefined;
  try {
    const parsed = JSON.parse(stdout) as CheckDoc;
    doc = Array.isArray(parsed.hubs) && Array.isArray(parsed.checks) ? parsed : undefined;
  } catch {
    doc = undefined;
  }
  const t = deps.now();
  const events: EventRow[] = doc
    ? doc.hubs.map((h) => ({
      hub: h.url, t, type: 'job_result',
      data: {
        job, status: doc!.status, exitCode: code, durationMs: t - started,
        problems: doc!.checks.filter((c) => c.hub === h.url && (c.status === 'warning' || c.status === 'critical'))
          .slice(0, 50).map((c) => ({ id: c.id, status: c.status, subject: c.subject, message: c.message.slice(0, 300) })),
      },
    }))
    : [{ hub: '*', t, type: 'job_result', data: { job, status: code === 0 ? 'ok' : 'unknown', exitCode: code, durationMs: t - started, output: stdout.trim().slice(0, 300), error: stderr.trim().slice(0, 500) } }];
  deps.record(events);
  deps.log.info({ job, exitCode: code, durationMs: t - started }, 'scheduled job finished');
  return events;
}

export interface RunningJobs {
  stop(): void;
  /** Next run time of each job, for `status`. */
  next(): Record<string, string | null>;
}

/** Schedules the jobs with croner; a job still running when its next time comes is skipped, not stacked. */
export async function startJobs(specs: JobSpec[], deps: JobDeps): Promise<RunningJobs> {
  const { Cron } = await import('croner');
  const crons = specs.filter((s) => s.pattern !== '').map((s) => new Cron(s.pattern, { protect: true }, async () => {
    await runJob(s.name, deps, s.args);
  }));
  return {
    stop: () => { for (const c of crons) c.stop(); },
    next: () => Object.fromEntries(specs.map((s, i) => [s.name, crons[i]?.nextRun()?.toISOString() ?? null])),
  };
}
