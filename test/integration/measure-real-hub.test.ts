/**
 * `measure` and `baseline list|show|compare` against the real mcp-hub 4.2.1 (free loopback port, temp
 * HOME/XDG_*), through the built CLI.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitUntil } from '../support/wait.js';
import { everythingServer, freePort, launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import type { BaselineDoc } from '../../src/evaluate/baseline.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startFakeHub } from '../support/fake-hub.js';
import { tempDir } from '../support/temp-dir.js';

/** Reads every visible file in `dir` about every millisecond until stopped: a partial file would fail to parse. */
function watchDir(dir: string): { stop: () => Promise<{ reads: number; bad: string[]; tempSeen: number }> } {
  let running = true;
  const bad: string[] = [];
  let reads = 0;
  let tempSeen = 0;
  const loop = (async () => {
    while (running) {
      let names: string[] = [];
      try { names = readdirSync(dir); } catch { /* not created yet */ }
      for (const name of names) {
        if (name.startsWith('.')) { tempSeen++; continue; } // a temp file being written: never read as a baseline
        let text: string;
        try { text = readFileSync(join(dir, name), 'utf8'); } catch { continue; }
        reads++;
        if (name.endsWith('.json')) {
          try { JSON.parse(text); } catch { bad.push(`${name}: ${text.length} bytes, not whole JSON`); }
        } else if (!text.endsWith('\n') || !text.includes('### Findings')) bad.push(`${name}: ${text.length} bytes, cut short`);
      }
      await new Promise((r) => setTimeout(r, 1)); // often enough to catch a write in progress, not a busy loop stealing the CPU from measure
    }
  })();
  return { stop: async () => { running = false; await loop; return { reads, bad, tempSeen }; } };
}

/** The cells of the Markdown table row that follows the header containing `header`. */
function tableRow(md: string, header: string, rowIndex = 0): string[] {
  const lines = md.split('\n');
  const at = lines.findIndex((l) => l.startsWith('|') && l.includes(header));
  return (lines[at + 2 + rowIndex] ?? '').split('|').slice(1, -1).map((c) => c.trim());
}

describe('measure against a real hub', () => {
  let hub: RunningHub;
  let stateDir: string;
  const env = isolatedEnv();
  beforeAll(async () => {
    hub = await launchHub({ servers: { everything: everythingServer(), crashy: testServer() } });
    stateDir = tempDir('mhm-measure-');
  });
  afterAll(async () => hub?.stop());

  test('samples on schedule, writes agreeing Markdown and JSON (0600 in a 0700 dir) that a reader never sees half-written', async () => {
    const dir = join(stateDir, 'baselines');
    const watcher = watchDir(dir);
    const run = await runCli(['measure', '--hub', hub.url, '--state-dir', stateDir, '--duration', '3s', '--interval', '250ms', '--name', 'first', '--json'], env);
    const seen = await watcher.stop();
    expect(run.stderr).toMatch(/^measure: /m); // plain progress lines: stdout is not a terminal
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { status: string; files: { json: string; markdown: string }; baseline: BaselineDoc };
    expect(out.status).toBe('ok');

    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of [out.files.json, out.files.markdown]) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['first.json', 'first.md']); // no temp file left behind
    expect(seen.bad).toEqual([]);
    expect(seen.reads).toBeGreaterThan(0);

    const doc = JSON.parse(readFileSync(out.files.json, 'utf8')) as BaselineDoc;
    expect(doc).toEqual(out.baseline);
    const h = doc.hubs[0]!;
    expect(h).toMatchObject({ url: hub.url, version: '4.2.1', pid: hub.pid });

    // The schedule: slot k is due at exactly k × 250 ms after t0 (so an error cannot accumulate: no drift),
    // and requests go out within ±5 ms of it — on an idle machine all of them, most within 1 ms. This suite
    // shares two cores with other real hubs, so OS scheduling stalls are tolerated: a quarter of the samples
    // may miss ±5 ms, none by 100 ms, and the typical one must still be within 2 ms.
    const samples = h.health.samples;
    expect(samples.map((s) => s.scheduledMs)).toEqual(Array.from({ length: 12 }, (_, k) => k * 250));
    const errors = samples.map((s) => Math.abs((s.actualMs ?? Infinity) - s.scheduledMs)).sort((a, b) => a - b);
    expect(errors[6]).toBeLessThanOrEqual(2);
    expect(errors.filter((e) => e <= 5).length).toBeGreaterThanOrEqual(9);
    expect(errors[11]).toBeLessThan(100);
    expect(samples.every((s) => s.outcome === 'ok' && (s.latencyMs ?? 0) > 0)).toBe(true);

    // Markdown and JSON: the same numbers.
    const md = readFileSync(out.files.markdown, 'utf8');
    const lat = h.health.latencyMs!;
    expect(tableRow(md, '| scheduled |')).toEqual([
      '12', String(h.health.answered), '0', '0', '0', String(lat.p50), String(lat.p95), String(lat.p99), String(lat.max), String(h.health.scheduleErrorMs!.max),
    ]);
    expect(h.probes.map((p) => p.server)).toEqual(['crashy', 'everything']);
    h.probes.forEach((p, i) => {
      expect(p.alive).toBeGreaterThan(0);
      expect(tableRow(md, '| server |', i)).toEqual([p.server, String(p.samples.length), String(p.alive), String(p.failed), ...[p.latencyMs!.p50, p.latencyMs!.p95, p.latencyMs!.p99, p.latencyMs!.max].map(String)]);
    });
    expect(tableRow(md, '| process |')).toEqual(['hub', ...[h.process.hubCpuPercent!.mean, h.process.hubCpuPercent!.max, h.process.hubRssMb!.mean, h.process.hubRssMb!.max].map(String)]);
    expect(h.process.windows[0]!.children).toBe(2);
    expect(md).toContain('not exposed by this hub'); // upstream mcp-hub serves no LLM metrics
    expect(h.llm.exposed).toBe(false);
  });

  test('baseline list, show and compare on two real baselines', async () => {
    const second = await runCli(['measure', '--hub', hub.url, '--state-dir', stateDir, '--duration', '3s', '--interval', '250ms', '--name', 'second'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^measure: OK {2}baseline second/);
    expect(second.stdout).toContain(join(stateDir, 'baselines', 'second.md'));

    const list = await runCli(['baseline', 'list', '--state-dir', stateDir], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^  first\s+20\d\d-.*\n^  second\s+20\d\d-/m);
    const listJson = JSON.parse((await runCli(['baseline', 'list', '--state-dir', stateDir, '--json'], env)).stdout) as { baselines: { name: string }[] };
    expect(listJson.baselines.map((b) => b.name)).toEqual(['first', 'second']);

    const show = await runCli(['baseline', 'show', 'first', '--state-dir', stateDir], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toBe(readFileSync(join(stateDir, 'baselines', 'first.md'), 'utf8'));
    const showJson = await runCli(['baseline', 'show', 'first', '--json', '--state-dir', stateDir], env);
    expect(JSON.parse(showJson.stdout)).toEqual(JSON.parse(readFileSync(join(stateDir, 'baselines', 'first.json'), 'utf8')));

    const cmp = await runCli(['baseline', 'compare', 'first', 'second', '--state-dir', stateDir, '--json'], env);
    const result = JSON.parse(cmp.stdout) as { regressions: number; rows: { key: string; verdict: string; summary: string }[] };
    expect(cmp.code).toBe(result.regressions > 0 ? 1 : 0); // two real runs: whatever the machine did, the exit code follows the rows
    const health = result.rows.find((r) => r.key === 'health_latency_ms')!;
    expect(['faster', 'slower', 'no_change']).toContain(health.verdict);
    expect(health.summary).toMatch(/CI .* p /);
    const text = await runCli(['baseline', 'compare', 'first', 'second', '--state-dir', stateDir], env);
    expect(text.stdout).toMatch(/^baseline compare: /);
    expect(text.stdout).toMatch(/health round trip \(ms\)\s+12\/12/);
  });
});

describe('baseline compare of synthetic files', () => {
  const dir = tempDir('mhm-synthetic-');
  /** A baseline file with 200 health samples around `medianMs` (deterministic ±10 % spread). */
  function write(name: string, medianMs: number, phase: number): string {
    const samples = Array.from({ length: 200 }, (_, k) => ({ k, scheduledMs: k * 250, actualMs: k * 250, latencyMs: medianMs * (0.9 + 0.2 * (((k * 37 + phase) % 200) / 200)), outcome: 'ok' }));
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify({ format: 'mcp-hub-monitor-baseline', version: 1, name, startedAt: '2026-11-25T09:40:00.000Z', hubs: [{ url: 'http://127.0.0.1:7000', health: { samples }, probes: [], process: { windows: [] } }] }));
    return path;
  }

  test('a 20 % slowdown exits 1 and says slower, with its effect size', async () => {
    const run = await runCli(['baseline', 'compare', write('before', 2, 0), write('after', 2.4, 11)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^baseline compare: REGRESSION \(1 metric\)/);
    expect(run.stdout).toMatch(/health round trip \(ms\)\s+200\/200\s+1\.999\s+2\.399\s+slower: \+20\.0% \(CI \+\d+\.\d% … \+\d+\.\d%, p < 0\.001\), beyond the 10\.0% tolerance — regression/);
  });

  test('the same slowdown with --tolerance 50% is slower but exits 0', async () => {
    const run = await runCli(['baseline', 'compare', join(dir, 'before.json'), join(dir, 'after.json'), '--tolerance', '50%']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/slower: .*, within the 50\.0% tolerance/);
  });

  test.each([
    [['baseline', 'compare', 'nope', 'nada'], /baseline "nope": no file .*nope\.json\. See: mcp-hub-monitor baseline list/],
    [['baseline', 'compare', 'a', 'b', '--tolerance', 'ten'], /--tolerance: not a percentage \(got "ten"\)/],
    [['baseline', 'show', '../etc/passwd'], /baseline "\.\.\/etc\/passwd": not a baseline name or a path to a \.json file/],
    [['measure', '--name', '../x'], /--name: not a baseline name/],
    [['measure', '--interval', '0s'], /--interval: not a duration/],
    [['measure', '--duration', '2s', '--interval', '1500ms'], /fewer than two samples/],
  ])('usage error exits 3: %j', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(message);
  });
});

test('a hub that is down: every request refused, CRITICAL (exit 2), and the baseline still says so', async () => {
  const port = await freePort();
  const stateDir = tempDir('mhm-measure-down-');
  const run = await runCli(['measure', '--hub', `http://127.0.0.1:${port}`, '--state-dir', stateDir, '--duration', '1s', '--interval', '100ms', '--json']);
  expect(run.code).toBe(2);
  const doc = (JSON.parse(run.stdout) as { baseline: BaselineDoc }).baseline;
  expect(doc.hubs[0]!.health).toMatchObject({ scheduled: 10, answered: 0, failed: 10, failedPercent: 100 });
  expect(doc.hubs[0]!.findings.find((f) => f.id === 'measure.availability')).toMatchObject({ status: 'critical' });
  expect(run.ms).toBeLessThan(5_000);
});

test('LLM metrics a hub serves are judged over the measurement window (fake hub serving /api/metrics/custom)', async () => {
  const fake = await startFakeHub();
  try {
    const llm = (total: number, success: number) => ({ llm: { requests_total: total, requests_success: success, latency_p95: 800, cache_hits: 10, cache_misses: 0 } });
    fake.route('/api/metrics/custom', { kind: 'ok', body: llm(1000, 990) });
    const run = runCli(['measure', '--hub', fake.url, '--state-dir', tempDir('mhm-measure-llm-'), '--duration', '2s', '--interval', '200ms', '--probe-every', '1s', '--json']);
    // After the first look, 100 more requests of which only 50 succeeded: the window's rate is 50 %, not 99 %.
    await waitUntil(() => fake.requests.some((r) => r.path === '/api/metrics/custom'), { what: "measure's first look at /api/metrics/custom", everyMs: 5 });
    fake.route('/api/metrics/custom', { kind: 'ok', body: llm(1100, 1040) });
    const done = await run;
    expect(done.code).toBe(2);
    const doc = (JSON.parse(done.stdout) as { baseline: BaselineDoc }).baseline;
    const findings = doc.hubs[0]!.findings;
    expect(findings.find((f) => f.id === 'llm.success_rate')).toMatchObject({ status: 'critical', value: 50 });
    expect(findings.find((f) => f.id === 'llm.p95_latency')).toMatchObject({ status: 'ok', value: 800 });
    expect(findings.find((f) => f.id === 'llm.throughput')).toMatchObject({ status: 'ok' });
    expect(doc.hubs[0]!.llm).toMatchObject({ exposed: true, sources: ['/api/metrics/custom'], metrics: { requestsTotal: 100, requestsSuccess: 50 } });
    expect(findings.find((f) => f.id === 'measure.probe')).toMatchObject({ status: 'no_data' }); // the fake serves no probe route
  } finally {
    await fake.close();
  }
});

test('a hung hub: requests keep going out on schedule while earlier ones hang, each recorded as a timeout (CRITICAL)', async () => {
  const fake = await startFakeHub();
  try {
    fake.route('/api/health', { kind: 'silent' });
    const run = await runCli(['measure', '--hub', fake.url, '--state-dir', tempDir('mhm-measure-hung-'), '--duration', '1s', '--interval', '100ms', '--timeout', '300ms', '--json']);
    expect(run.code).toBe(2);
    const health = (JSON.parse(run.stdout) as { baseline: BaselineDoc }).baseline.hubs[0]!.health;
    expect(health).toMatchObject({ scheduled: 10, answered: 0, failed: 10 });
    expect(new Set(health.samples.map((s) => s.outcome))).toEqual(new Set(['timeout']));
    // Open loop: a hanging request does not hold back the next slot's (no coordinated omission).
    expect(health.samples.every((s) => Math.abs((s.actualMs ?? Infinity) - s.scheduledMs) < 50)).toBe(true);
    expect(run.ms).toBeLessThan(4_000);
  } finally {
    await fake.close();
  }
});
