/**
 * `baseline list | show <name> | compare <A> <B> | pin [name]` (issue E): the baselines `measure` saved in
 * `<state-dir>/baselines/`. A baseline is named as `measure --name` (or its timestamp), `pinned` (the pinned
 * one), or given as a path to its JSON file. compare exits 1 when B regressed beyond `--tolerance` on a gated metric (see
 * evaluate/baseline-compare.ts for the rule), 0 otherwise, 3 on a usage error or an unreadable file.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMonitorError, UsageError } from '../../errors.js';
import { compareBaselines, readComparable } from '../../evaluate/baseline-compare.js';
import { parseJsonSafe, isRecord, own } from '../../model/json.js';
import { renderBaselineList, renderCompareText, type BaselineListEntry } from '../../views/baseline-text.js';
import { toSafeJson } from '../../views/json.js';
import { sanitizeTerminal, shouldUseColor } from '../../views/sanitize.js';
import type { GlobalOptions } from '../global-options.js';
import type { CommandRun } from '../render-result.js';
import { PINNED, baselineJsonPath, baselinesDir, readBaselineJson, readBaselineText, readPinnedRef, type PinnedRef } from '../baseline-files.js';

/** What is pinned, read without failing the command: the pin itself, or why it cannot be read. */
function pinState(stateDir: string): { pin?: PinnedRef; problem?: string } {
  try {
    return { pin: readPinnedRef(stateDir) };
  } catch (err) {
    if (isMonitorError(err, 'USAGE')) return { problem: err.message };
    throw err;
  }
}

/** The line that says which baseline is pinned (or that none is, or what is wrong with the pin). */
function describePin(state: { pin?: PinnedRef; problem?: string }): string {
  const { pin, problem } = state;
  if (!pin) return `pinned: unreadable: ${problem}`;
  if (pin.kind === 'none') return 'pinned: none (pin one with: mcp-hub-monitor baseline pin NAME)';
  if (pin.kind === 'copy') return `pinned: a copy of a baseline in ${pin.file} (shown as "${PINNED}" above)`;
  return existsSync(pin.target) ? `pinned: ${pin.name}` : `pinned: ${pin.name}, but ${pin.target} is missing: nothing is compared until you pin one that exists (mcp-hub-monitor baseline pin NAME)`;
}

/** One row of the list from a baseline file. */
function listEntry(dir: string, file: string): BaselineListEntry {
  const name = file.slice(0, -'.json'.length);
  const parsed = parseJsonSafe(readBaselineText(join(dir, file), name));
  const doc = parsed.ok ? parsed.value : undefined;
  if (!isRecord(doc) || !readComparable(doc).ok) return { name, startedAt: '', hubs: 0, status: '', problem: parsed.ok ? 'not a baseline' : parsed.message };
  const hubs = Array.isArray(own(doc, 'hubs')) ? (own(doc, 'hubs') as unknown[]) : [];
  const first = hubs[0];
  const health = isRecord(first) ? own(first, 'health') : undefined;
  const latency = isRecord(health) ? own(health, 'latencyMs') : undefined;
  const settings = own(doc, 'settings');
  const p95 = isRecord(latency) ? own(latency, 'p95') : undefined;
  const duration = isRecord(settings) ? own(settings, 'durationMs') : undefined;
  return {
    name, startedAt: String(own(doc, 'startedAt') ?? ''), hubs: hubs.length, status: String(own(doc, 'status') ?? '?'),
    ...(typeof duration === 'number' ? { durationMs: duration } : {}), ...(typeof p95 === 'number' ? { healthP95Ms: p95 } : {}),
  };
}

/** `baseline list`: every baseline in the dir, oldest first, the pinned one marked. */
export function runBaselineList(g: GlobalOptions): CommandRun {
  const dir = baselinesDir(g.stateDir);
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('.')); // dot files are temp files being written
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${dir}: cannot list (${(err as NodeJS.ErrnoException).code}).`);
  }
  const state = pinState(g.stateDir);
  // pinned.json is the pin, not a baseline, unless it is a copy of one.
  const pinnedName = state.pin?.kind === 'pointer' ? state.pin.name : state.pin?.kind === 'copy' ? PINNED : undefined;
  const entries = names
    .filter((f) => f !== `${PINNED}.json` || state.pin?.kind === 'copy')
    .map((file) => ({ ...listEntry(dir, file), ...(file === `${pinnedName}.json` ? { pinned: true } : {}) }))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.name.localeCompare(b.name));
  const pin = describePin(state);
  if (!g.json) return { exitCode: 0, output: renderBaselineList(dir, entries, pin) };
  const pinned = state.pin?.kind === 'pointer' ? { name: state.pin.name, file: state.pin.target, exists: existsSync(state.pin.target) }
    : state.pin?.kind === 'copy' ? { name: PINNED, file: state.pin.file, exists: true } : null;
  return { exitCode: 0, output: `${toSafeJson({ dir, baselines: entries, pinned, ...(state.problem ? { pinProblem: state.problem } : {}) })}\n` };
}

/** `baseline show <name>`: the Markdown report, or the JSON document with --json; `pinned` is the pinned one. */
export function runBaselineShow(g: GlobalOptions, ref: string): CommandRun {
  const jsonPath = baselineJsonPath(g.stateDir, ref);
  if (g.json) {
    const value = readBaselineJson(jsonPath, ref);
    const check = readComparable(value);
    if (!check.ok) throw new UsageError(`${jsonPath}: ${check.problem}.`);
    return { exitCode: 0, output: `${toSafeJson(value)}\n` };
  }
  const markdownPath = jsonPath.replace(/\.json$/, '.md');
  if (ref === PINNED && !existsSync(markdownPath) && existsSync(jsonPath)) {
    throw new UsageError(`${jsonPath}: the pinned baseline has no Markdown beside it (${markdownPath}). Show its JSON with: mcp-hub-monitor baseline show ${PINNED} --json.`);
  }
  const markdown = readBaselineText(markdownPath, ref);
  // We escaped hub strings when writing it, but the file is only text on disk: keep the terminal safe anyway.
  return { exitCode: 0, output: `${markdown.split('\n').map((l) => sanitizeTerminal(l, Infinity)).join('\n')}` };
}

/** `--tolerance`: `10%` or a fraction `0.1`. */
export function parseTolerance(text: string | undefined): number {
  if (text === undefined) return 0.1;
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const value = m ? (m[2] ? Number(m[1]) / 100 : Number(m[1])) : NaN;
  if (!m || (!m[2] && value >= 1) || !(value >= 0 && value <= 10)) {
    throw new UsageError(`--tolerance: not a percentage (got ${JSON.stringify(text)}). Write it like 10% (or the fraction 0.1).`);
  }
  return value;
}

function parseAlpha(text: string | undefined): number {
  if (text === undefined) return 0.05;
  const a = Number(text);
  if (!(a > 0 && a < 0.5)) throw new UsageError(`--alpha: not a significance level between 0 and 0.5 (got ${JSON.stringify(text)}). The usual is 0.05.`);
  return a;
}

/** `baseline compare <A> <B>`: B (the candidate) against A (the reference). */
export function runBaselineCompare(g: GlobalOptions, refA: string, refB: string, flags: { tolerance?: string; alpha?: string }): CommandRun {
  const tolerance = parseTolerance(flags.tolerance);
  const alpha = parseAlpha(flags.alpha);
  const load = (ref: string) => {
    const path = baselineJsonPath(g.stateDir, ref);
    const r = readComparable(readBaselineJson(path, ref));
    if (!r.ok) throw new UsageError(`${path}: ${r.problem}.`);
    return r.baseline;
  };
  const result = compareBaselines(load(refA), load(refB), { tolerance, alpha, resamples: 2_000, seed: 1 });
  const exitCode = result.regressions > 0 ? 1 : 0;
  return {
    exitCode,
    output: g.json ? `${toSafeJson({ exitCode, ...result })}\n` : renderCompareText(result, shouldUseColor(process.stdout, process.env, g.color)),
  };
}

/**
 * `baseline pin <name>`: the baseline the daemon's regression detection and the reports compare against.
 * Writes `<state-dir>/baselines/pinned.json` as a pointer `{"name": …}`, atomically; `--clear` removes it;
 * with no name it says which baseline is pinned.
 */
export async function runBaselinePin(g: GlobalOptions, ref: string | undefined, flags: { clear?: boolean }): Promise<CommandRun> {
  const { writeFileAtomic } = await import('../../store/files.js');
  const { rmSync } = await import('node:fs');
  const pinned = join(baselinesDir(g.stateDir), `${PINNED}.json`);
  if (flags.clear) {
    rmSync(pinned, { force: true });
    return { exitCode: 0, output: 'no baseline is pinned now\n' };
  }
  if (ref === undefined) {
    const state = pinState(g.stateDir);
    const name = state.pin?.kind === 'pointer' ? state.pin.name : state.pin?.kind === 'copy' ? PINNED : null;
    return { exitCode: 0, output: g.json ? `${toSafeJson({ pinned: name, ...(state.problem ? { problem: state.problem } : {}) })}\n` : `${sanitizeTerminal(describePin(state))}\n` };
  }
  if (/\.(json|md)$/.test(ref) || ref === PINNED) throw new UsageError('baseline pin: give the name of a saved baseline (see: mcp-hub-monitor baseline list)');
  const path = baselineJsonPath(g.stateDir, ref);
  const r = readComparable(readBaselineJson(path, ref));
  if (!r.ok) throw new UsageError(`${path}: ${r.problem}`);
  writeFileAtomic(pinned, `${JSON.stringify({ name: ref })}\n`, { mode: 0o600 });
  return { exitCode: 0, output: `pinned ${sanitizeTerminal(ref)}: the daemon compares live latencies with it, and reports show it\n` };
}
