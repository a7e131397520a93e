/**
 * `summary` (the last 24 h: the seed guide's daily review) and `report weekly|monthly`: reports from the
 * daemon's history store, read-only, as Markdown (default), self-contained HTML or JSON, on stdout or
 * written atomically to a file. `writeReport` is what the daemon's schedule calls: it writes
 * `<state-dir>/reports/<kind>-<date>.md` and its SVG charts beside it.
 */
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { historyDbPath } from '../../config/paths.js';
import type { MonitorConfig } from '../../config/defaults.js';
import { UsageError } from '../../errors.js';
import { buildReport } from '../../evaluate/report.js';
import type { ReportKind, ReportModel } from '../../evaluate/report-model.js';
import { normaliseHubUrl } from '../../sources/discovery.js';
import { writeFileAtomic } from '../../store/files.js';
import { isLiveNodeProcess, readLock } from '../../store/lock.js';
import { Store } from '../../store/store.js';
import { storeTime } from '../../store/store-time.js';
import { toSafeJson } from '../../views/json.js';
import { renderReportHtml } from '../../views/report-html.js';
import { renderReportMarkdown } from '../../views/report-markdown.js';
import type { GlobalOptions } from '../global-options.js';
import { ensureOutputDir } from '../output-dir.js';
import type { CommandRun } from '../render-result.js';
import { readPinnedBaseline, readReportInput } from '../report-data.js';

/** Output formats of the reports. */
export const REPORT_FORMATS = ['md', 'html', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The command's flags as commander gives them. */
export interface ReportFlags {
  format?: string;
  output?: string;
  at?: string;
  /** Write into <state>/reports (what the daemon's schedule runs). */
  save?: boolean;
}

/** What writeReport wrote: the Markdown file and the SVG charts beside it. */
export interface WrittenReport {
  path: string;
  charts: string[];
}

/** The live daemon's run, whose coverage reaches "now" although its last beat is a few seconds old. */
function liveRunId(store: Store, stateDir: string): number | undefined {
  const lock = readLock(join(stateDir, 'daemon.lock'));
  if (typeof lock !== 'object' || lock === null || !isLiveNodeProcess(lock.pid)) return undefined;
  return store.lastRun()?.id;
}

/**
 * "Now" on the daemon's time line (ahead of the wall clock after a step back, faults F7), so the period
 * ending now holds every poll stored; the wall clock when there is no history yet.
 */
function storeNow(stateDir: string, wallNow: number): number {
  if (!existsSync(historyDbPath(stateDir))) return wallNow;
  const store = Store.open({ stateDir, readOnly: true, quickCheck: false });
  try {
    return storeTime(store, wallNow).now;
  } finally {
    store.close();
  }
}

/** Reads the store (read-only) and builds the report model of `kind` ending at `at`. */
export function generateReport(kind: ReportKind, stateDir: string, cfg: MonitorConfig, at: number, now: number, hubs?: string[]): ReportModel {
  const db = historyDbPath(stateDir);
  if (!existsSync(db)) throw new UsageError(`no history at ${db}: reports are made from the daemon's history; start it first (mcp-hub-monitor daemon) or pass --state-dir.`);
  const store = Store.open({ stateDir, readOnly: true, quickCheck: false });
  try {
    const known = store.listHubs();
    for (const h of hubs ?? []) {
      if (!known.includes(h)) throw new UsageError(`--hub ${h}: no history of this hub in ${db} (hubs there: ${known.join(', ') || 'none'}).`);
    }
    const input = readReportInput(store, kind, at, cfg, { hubs, baseline: readPinnedBaseline(stateDir), generatedAt: now, currentRunId: liveRunId(store, stateDir) });
    return buildReport(input, cfg);
  } finally {
    store.close();
  }
}

/** Renders a model; Markdown with `chartBase` also returns the SVG files to write beside it. */
export function renderReport(model: ReportModel, format: ReportFormat, chartBase?: string): { text: string; charts: { file: string; svg: string }[] } {
  if (format === 'json') return { text: `${toSafeJson(model)}\n`, charts: [] };
  if (format === 'html') return { text: renderReportHtml(model), charts: [] };
  const md = renderReportMarkdown(model, { chartBase });
  return { text: md.markdown, charts: md.charts };
}

/** Writes the charts, then the report (so its links resolve once it appears), each atomically and 0600. */
function writeFiles(path: string, text: string, charts: readonly { file: string; svg: string }[]): string[] {
  const dir = dirname(path);
  const written = charts.map((c) => {
    const p = join(dir, c.file);
    writeFileAtomic(p, c.svg, { mode: 0o600 });
    return p;
  });
  writeFileAtomic(path, text, { mode: 0o600 });
  return written;
}

/**
 * Writes the `kind` report ending at `now` to `<stateDir>/reports/<kind>-<YYYY-MM-DD>.md` (the UTC date of
 * the period's end), with its charts as `<kind>-<date>-<chart>.svg` beside it: temp file created with
 * O_EXCL in the same dir, fsync, rename, mode 0600. For the daemon's schedule; throws on failure.
 */
export function writeReport(kind: ReportKind, stateDir: string, cfg: MonitorConfig, now: number): WrittenReport {
  const model = generateReport(kind, stateDir, cfg, now, now);
  const dir = join(stateDir, 'reports');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new Error(`${dir}: not a directory (a symlink or a file); remove it so reports can be written there.`);
  const base = `${kind}-${new Date(model.period.to).toISOString().slice(0, 10)}`;
  const { text, charts } = renderReport(model, 'md', base);
  const path = join(dir, `${base}.md`);
  return { path, charts: writeFiles(path, text, charts) };
}

function parseAt(text: string | undefined, now: number): number {
  if (text === undefined) return now;
  // An ISO date or date-time; Date.parse alone would also take "1" or "March 7".
  const t = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (!Number.isFinite(t)) throw new UsageError(`--at: not an ISO time (got ${JSON.stringify(text)}). Write e.g. 2026-01-13T00:00:00Z or 2026-01-13`);
  return t;
}

/** `summary` and `report weekly|monthly`. */
export async function runReport(g: GlobalOptions, kind: ReportKind, f: ReportFlags): Promise<CommandRun> {
  const now = storeNow(g.stateDir, Date.now());
  const format = g.json ? 'json' : (f.format ?? 'md');
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: md, html or json (got ${JSON.stringify(format)})`);
  const at = parseAt(f.at, now);
  let hubs: string[] | undefined;
  try {
    hubs = g.hubs.length ? g.hubs.map(normaliseHubUrl) : undefined;
  } catch (err) {
    throw new UsageError(`--hub: ${(err as Error).message}`);
  }
  const { loadConfig } = await import('../../config/load.js');
  const cfg = await loadConfig(g.configFile, g.configExplicit);
  if (f.save) {
    const w = writeReport(kind, g.stateDir, cfg, at);
    return { exitCode: 0, output: `wrote ${w.path}${w.charts.length ? ` and ${w.charts.length} SVG charts beside it` : ''}\n` };
  }
  const model = generateReport(kind, g.stateDir, cfg, at, now, hubs);
  if (f.output === undefined) return { exitCode: 0, output: renderReport(model, format as ReportFormat).text };

  const path = resolve(f.output);
  ensureOutputDir(dirname(path), '--output', f.output);
  const chartBase = basename(path, extname(path));
  const { text, charts } = renderReport(model, format as ReportFormat, chartBase);
  let written: string[];
  try {
    written = writeFiles(path, text, charts);
  } catch (err) {
    throw new UsageError(`--output ${f.output}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Choose a file in a directory you can write.`);
  }
  return { exitCode: 0, output: `wrote ${path}${written.length ? ` and ${written.length} SVG charts beside it` : ''}\n` };
}
