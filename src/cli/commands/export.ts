/**
 * `export prometheus|grafana|alertmanager`: the daemon's alerting, SLOs and views as files for a
 * Prometheus/Grafana/Alertmanager stack, built from the same config (thresholds, timing) the daemon uses.
 * Prints to stdout, or writes files (0644: they hold no secret) with --output-dir / --output.
 */
import { dirname, join, resolve } from 'node:path';
import { DURATION_HINT, parseDuration } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
import { loadConfig } from '../../config/load.js';
import { renderAlertmanager } from '../../export/alertmanager.js';
import { renderGrafanaDashboard } from '../../export/grafana.js';
import { renderPrometheusRules } from '../../export/prometheus-rules.js';
import { renderScrapeConfig } from '../../export/scrape-config.js';
import { renderSlothSpec } from '../../export/sloth.js';
import { writeFileAtomic } from '../../store/files.js';
import type { GlobalOptions } from '../global-options.js';
import type { CommandRun } from '../render-result.js';
import { ensureOutputDir } from '../output-dir.js';

/** What `export` can produce. */
export const EXPORT_TARGETS = ['prometheus', 'grafana', 'alertmanager'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

/** The files `export prometheus --output-dir` writes, in order. */
export const PROMETHEUS_FILES = ['mcp-hub-monitor.rules.yml', 'scrape.yml', 'slo-sloth.yml'] as const;

/** The command's flags as commander gives them. */
export interface ExportFlags {
  outputDir?: string;
  output?: string;
  scrapeInterval?: string;
}

const CHOICES = EXPORT_TARGETS.map((t) => `export ${t}`).join(', ');

function writeOrFail(path: string, text: string, flag: string): void {
  try {
    writeFileAtomic(path, text, { mode: 0o644 });
  } catch (err) {
    throw new UsageError(`${flag} ${path}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Choose a directory you can write.`, { cause: err });
  }
}

function scrapeIntervalMs(flag: string | undefined, fallback: number): number {
  if (flag === undefined) return fallback;
  const ms = parseDuration(flag);
  if (ms === undefined || ms < 1_000) throw new UsageError(`--scrape-interval: not a duration of at least 1s (got ${JSON.stringify(flag)}). ${DURATION_HINT}`);
  return ms;
}

/** Runs `export <what>`: one UsageError (exit 3) for an unknown target or a flag that does not fit it. */
export async function runExport(g: GlobalOptions, what: string, f: ExportFlags): Promise<CommandRun> {
  if (!(EXPORT_TARGETS as readonly string[]).includes(what)) {
    throw new UsageError(`export: unknown target ${JSON.stringify(what)}; use one of: ${CHOICES}`);
  }
  const target = what as ExportTarget;
  if (f.outputDir !== undefined && target !== 'prometheus') throw new UsageError(`export ${target}: --output-dir is for export prometheus (three files); use --output <file>`);
  if (f.output !== undefined && target === 'prometheus') throw new UsageError('export prometheus: writes three files; use --output-dir <dir> instead of --output');
  if (f.scrapeInterval !== undefined && target !== 'prometheus') throw new UsageError(`export ${target}: --scrape-interval is for export prometheus`);
  const cfg = await loadConfig(g.configFile, g.configExplicit);

  if (target === 'prometheus') {
    const o = { scrapeIntervalMs: scrapeIntervalMs(f.scrapeInterval, cfg.collect.interval) };
    const texts = [renderPrometheusRules(cfg, o), renderScrapeConfig(cfg, o), renderSlothSpec(cfg)];
    if (f.outputDir === undefined) {
      // One stream of three YAML documents, each named, for a look or a pipe; --output-dir for real files.
      return { exitCode: 0, output: texts.map((t, i) => `# ---- ${PROMETHEUS_FILES[i]} ----\n${t}`).join('---\n') };
    }
    const dir = resolve(f.outputDir);
    ensureOutputDir(dir, '--output-dir', f.outputDir);
    const paths = PROMETHEUS_FILES.map((name) => join(dir, name));
    paths.forEach((p, i) => writeOrFail(p, texts[i]!, '--output-dir'));
    return { exitCode: 0, output: paths.map((p) => `wrote ${p}\n`).join('') };
  }

  const text = target === 'grafana' ? renderGrafanaDashboard(cfg) : renderAlertmanager(cfg);
  if (f.output === undefined) return { exitCode: 0, output: text };
  const path = resolve(f.output);
  ensureOutputDir(dirname(path), '--output', f.output);
  writeOrFail(path, text, '--output');
  return { exitCode: 0, output: `wrote ${path}\n` };
}
