/**
 * The README and the docs beside it are part of the product: the README's config table and the receivers
 * tables of docs/receivers.md are generated from the schemas and must not drift, and the examples of the
 * README and docs/commands.md that need no hub (history, reports, exports, status) run against a seeded store.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { isolatedEnv, runCli } from '../support/cli.js';
import { seedRecentStore } from '../support/seeded-store.js';
import { MEASURE_DEFAULTS } from '../../src/cli/commands/measure.js';
import { parseDuration } from '../../src/config/duration.js';
import { configSchema, typeLabels } from '../../src/config/schema.js';
import { renderConfigTable } from '../../src/config/docs.js';
import { renderReceiverDocs } from '../../src/notify/index.js';

const doc = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const readme = doc('README.md');
const commands = doc('docs/commands.md');
const receivers = doc('docs/receivers.md');

test('the README configuration table matches the schema (run `npm run docs:config` after changing it)', () => {
  const section = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];
  expect(section).toBe(renderConfigTable(configSchema, typeLabels));
});

test('the receivers tables of docs/receivers.md match the notifier schemas (run `npm run docs:config` after changing one)', () => {
  const section = /<!-- receivers-table:start -->\n([\s\S]*?)\n<!-- receivers-table:end -->/.exec(receivers)?.[1];
  expect(section).toBe(renderReceiverDocs());
});

test('the README quick start shows the two commands and .ci/run runs the test one', () => {
  expect(readme).toContain('npm ci && npm run demo');
  expect(readme).toContain('npm ci && npm test');
  expect(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8')).toContain('npm ci && npm test');
});

/**
 * Every `$ mcp-hub-monitor …` line of the sh blocks of the README and docs/commands.md: its arguments without
 * the trailing comment, and the output line the page shows under it, if any.
 */
function documentedExamples(): { line: string; args: string[]; shown?: string }[] {
  const lines = [readme, commands].flatMap((page) => [...page.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n')));
  return lines.flatMap((line, i) => {
    if (!line.startsWith('$ mcp-hub-monitor ')) return [];
    const next = lines[i + 1];
    const args = line.slice('$ mcp-hub-monitor '.length).replace(/\s+#.*$/, '').trim().split(/\s+/).filter(Boolean);
    return [{ line, args, ...(next && !next.startsWith('$') && next !== '…' ? { shown: next } : {}) }];
  });
}

/** Commands whose examples need no hub, and the exit code each has on a store with no daemon running. */
const RUNNABLE: Record<string, number> = { history: 0, summary: 0, report: 0, export: 0, status: 1 };

const seeded = seedRecentStore(Date.now());
const env = isolatedEnv();
const work = mkdtempSync(join(tmpdir(), 'mhm-readme-run-'));
afterAll(() => {
  seeded.cleanup();
  rmSync(work, { recursive: true, force: true });
  rmSync(dirname(env.XDG_CONFIG_HOME!), { recursive: true, force: true });
});

const runnable = documentedExamples().filter((e) => e.args[0]! in RUNNABLE);

test('the docs have history examples to run', () => {
  expect(runnable.filter((e) => e.args[0] === 'history').length).toBeGreaterThanOrEqual(4);
});

test.each(runnable.map((e) => [e.line, e.args, e.shown] as const))('documented example runs: %s', async (_line, args, shown) => {
  const cwd = mkdtempSync(join(work, 'ex-'));
  const run = await runCli([...args, '--state-dir', seeded.stateDir], env, [], cwd);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(RUNNABLE[args[0]!]);
  // Output on stdout, or in the files it was told to write.
  expect(run.stdout.length + readdirSync(cwd).length).toBeGreaterThan(0);
  if (args[0] === 'history') {
    if (args.includes('--json')) {
      const doc = JSON.parse(run.stdout) as { rows?: unknown[]; series?: unknown[]; events?: unknown[] };
      expect((doc.rows ?? doc.series ?? doc.events ?? []).length).toBeGreaterThan(0);
      const resolution = args[args.indexOf('--resolution') + 1];
      if (args.includes('--resolution')) expect((doc as { resolution?: string }).resolution).toBe(resolution);
    } else {
      const out = run.stdout.trimEnd().split('\r\n');
      expect(out.length).toBeGreaterThan(1); // a header and rows
      if (shown !== undefined) expect(out[0]).toBe(shown); // the header the docs show (it says the resolution)
    }
  }
}, 60_000);

test('docs/commands.md states the defaults of measure as the code has them, and its example output fits them', async () => {
  const m = /^\$ mcp-hub-monitor measure --duration (\S+) .*# .*defaults: (\S+) s, a health request every (\S+) \(--interval\), MCP round trips every (\S+) \(--probe-every\)\n.*\n.* (\d+)\/(\d+) answered$/m.exec(commands);
  expect(m).not.toBeNull();
  const [, duration, defaultSeconds, interval, probeEvery, answered] = m!;
  expect(Number(defaultSeconds) * 1000).toBe(MEASURE_DEFAULTS.durationMs);
  expect(parseDuration(interval!)).toBe(MEASURE_DEFAULTS.intervalMs);
  expect(parseDuration(probeEvery!)).toBe(MEASURE_DEFAULTS.probeEveryMs);
  expect(Number(answered)).toBe(parseDuration(duration!)! / MEASURE_DEFAULTS.intervalMs);
  // What --help says is what runs when the flag is left out (commander passes its default string).
  const help = await runCli(['measure', '--help'], env);
  expect(help.stdout).toMatch(new RegExp(`--interval <duration>[\\s\\S]*\\(default: "${interval}"\\)`));
});
