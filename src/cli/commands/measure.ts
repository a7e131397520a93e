/**
 * `measure` (issue E): samples each hub for a while — health round trips on a drift-free schedule, MCP round
 * trips to each connected server through the hub, the hub's process tree, the LLM metrics it serves — and
 * saves a baseline as JSON (every raw sample) and Markdown (the same numbers) in `<state-dir>/baselines/`.
 * Exit 0/1/2 against the SLO targets: health p95 ≤ slo.latency_threshold (else WARNING), more than 10 % of
 * health requests failing is CRITICAL, LLM thresholds from `check.*` where the hub serves them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DURATION_HINT, formatDuration, parseDuration } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
import { buildBaseline } from '../../evaluate/baseline.js';
import { createHubAgent } from '../../sources/http-get.js';
import { ensureStateDir, writeFileAtomic } from '../../store/files.js';
import { renderBaselineMarkdown } from '../../views/baseline-markdown.js';
import { renderMeasureText, renderProgressBar, renderProgressLine } from '../../views/baseline-text.js';
import type { MeasureProgress } from '../../model/measure.js';
import { toSafeJson } from '../../views/json.js';
import { shouldUseColor } from '../../views/sanitize.js';
import { BASELINE_NAME, PINNED, baselinesDir } from '../baseline-files.js';
import type { GlobalOptions } from '../global-options.js';
import { openHubPollSession } from '../hub-poll.js';
import { runMeasurement } from '../../sources/measure-sampler.js';
import type { CommandRun } from '../render-result.js';

/** The flags of `measure`, as commander gives them. */
export interface MeasureFlags {
  duration?: string;
  interval?: string;
  probeEvery?: string;
  name?: string;
}

/** Health samples per hub in one baseline at most: keeps files (~150 bytes a sample) and compare's bootstrap bounded. */
const MAX_SAMPLES = 100_000;
/** Defaults of --duration, --interval and --probe-every. */
export const MEASURE_DEFAULTS = { durationMs: 60_000, intervalMs: 500, probeEveryMs: 5_000 };

function durationFlag(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined || ms < min || ms > max) {
    throw new UsageError(`${flag}: not a duration from ${formatDuration(min)} to ${formatDuration(max)} (got ${JSON.stringify(text)}). ${DURATION_HINT}`);
  }
  return ms;
}

/** Validated settings; throws UsageError (exit 3) on a bad flag. */
export function measureSettings(f: MeasureFlags): typeof MEASURE_DEFAULTS & { name?: string } {
  const durationMs = durationFlag('--duration', f.duration, MEASURE_DEFAULTS.durationMs, 1_000, 86_400_000);
  const intervalMs = durationFlag('--interval', f.interval, MEASURE_DEFAULTS.intervalMs, 10, 3_600_000);
  if (intervalMs > durationMs / 2) throw new UsageError(`--interval: ${formatDuration(intervalMs)} leaves fewer than two samples in --duration ${formatDuration(durationMs)}. Use a shorter --interval or a longer --duration.`);
  const samples = Math.ceil(durationMs / intervalMs);
  if (samples > MAX_SAMPLES) throw new UsageError(`--duration ${formatDuration(durationMs)} at --interval ${formatDuration(intervalMs)} is ${samples} samples per hub; at most ${MAX_SAMPLES}. Use a longer --interval.`);
  const probeEveryMs = durationFlag('--probe-every', f.probeEvery, Math.max(MEASURE_DEFAULTS.probeEveryMs, intervalMs), intervalMs, 3_600_000);
  if (f.name !== undefined && !BASELINE_NAME.test(f.name)) {
    throw new UsageError(`--name: not a baseline name (got ${JSON.stringify(f.name)}). Use letters, digits, '.', '_' and '-', starting with a letter or digit (at most 100).`);
  }
  if (f.name === PINNED) throw new UsageError(`--name: "${PINNED}" is the pin (baselines/${PINNED}.json, see: mcp-hub-monitor baseline pin). Choose another name.`);
  return { durationMs, intervalMs, probeEveryMs, ...(f.name !== undefined ? { name: f.name } : {}) };
}

/** `2026-11-25T09-40-00Z`: a timestamp that is also a portable file name. */
export function timestampName(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}

/** Creates the baselines dir (0700) and picks a free name; a taken --name is a usage error, checked before measuring. */
function prepareDir(stateDir: string, name: string | undefined): { dir: string; name: string } {
  let dir: string;
  try {
    dir = ensureStateDir(baselinesDir(stateDir), { allowNetworkFs: true }).dir; // plain files: no SQLite locking concern
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  const taken = (n: string) => existsSync(join(dir, `${n}.json`)) || existsSync(join(dir, `${n}.md`));
  if (name !== undefined) {
    if (taken(name)) throw new UsageError(`--name: a baseline ${JSON.stringify(name)} already exists in ${dir}. Choose another name, or delete ${name}.json and ${name}.md there.`);
    return { dir, name };
  }
  const base = timestampName(Date.now());
  let pick = base;
  for (let i = 2; taken(pick); i++) pick = `${base}-${i}`;
  return { dir, name: pick };
}

/** Shows progress on stderr: a redrawn bar on a terminal, else a plain line at every tenth of the run. */
function progressWriter(g: GlobalOptions): { update: (p: MeasureProgress) => void; done: () => void } {
  const err = process.stderr;
  if (err.isTTY && process.stdout.isTTY && !g.json) {
    let lastDraw = 0;
    return {
      update: (p) => {
        if (p.elapsedMs - lastDraw < 100 && p.elapsedMs > 0) return;
        lastDraw = p.elapsedMs;
        err.write(`\r${renderProgressBar(p, (err.columns ?? 80) - 1)}\x1b[K`);
      },
      done: () => { err.write('\r\x1b[K'); },
    };
  }
  let shown = -1;
  return {
    update: (p) => {
      const tenth = Math.floor((p.elapsedMs / p.durationMs) * 10);
      if (tenth > shown) {
        shown = tenth;
        err.write(renderProgressLine(p));
      }
    },
    done: () => undefined,
  };
}

/** Runs measure and returns what to print; `version` is ours, recorded in the baseline. */
export async function runMeasure(g: GlobalOptions, flags: MeasureFlags, version: string): Promise<CommandRun> {
  const settings = measureSettings(flags);
  const session = await openHubPollSession(g);
  const healthAgent = createHubAgent();
  try {
    const { dir, name } = prepareDir(g.stateDir, settings.name);
    const timeoutMs = g.timeoutMs ?? session.config.timeout;
    const progress = progressWriter(g);
    const run = await runMeasurement(session.targets, {
      ...settings, timeoutMs, probeTimeoutMs: Math.min(session.config.probes.timeout, timeoutMs),
      healthAgent, agent: session.agent, onProgress: progress.update,
    });
    progress.done();
    const doc = buildBaseline({
      name, startedAtMs: run.startedAtMs, ...settings, timeoutMs, hubs: run.hubs,
      tool: { name: 'mcp-hub-monitor', version, node: process.version, platform: `${process.platform}-${process.arch}` },
    }, session.config);
    const files = { json: join(dir, `${name}.json`), markdown: join(dir, `${name}.md`) };
    // Each file is replaced atomically (temp file with O_EXCL in the same dir, fsync, rename): a reader
    // sees no file or a whole one, never a partial write.
    for (const [path, text] of [[files.json, `${toSafeJson(doc)}\n`], [files.markdown, renderBaselineMarkdown(doc)]] as const) {
      try {
        writeFileAtomic(path, text, { mode: 0o600 });
      } catch (err) {
        throw new UsageError(`${path}: cannot write the baseline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Free some space or fix the dir's permissions, or use another --state-dir.`);
      }
    }
    const output = g.json
      ? `${toSafeJson({ status: doc.status, exitCode: doc.exitCode, files, baseline: doc })}\n`
      : renderMeasureText(doc, files, shouldUseColor(process.stdout, process.env, g.color));
    return { exitCode: doc.exitCode, output };
  } finally {
    healthAgent.destroy();
    session.close();
  }
}
