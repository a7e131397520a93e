/**
 * A slow hub in a fleet of three real mcp-hub 4.2.1 hubs (each with the same real stdio server), watched by
 * one daemon (a real child process). The real hub cannot be made slow by itself, so the fault is injected
 * in the network path: the daemon reaches that hub through a loopback TCP proxy that holds every chunk of
 * the hub's answers for 300 ms (test/support/delay-proxy.ts). `fleet.outlier` fires on health latency
 * naming that hub (as the daemon knows it: the proxy's URL), with the fleet's numbers right (its p50 at
 * least the injected delay, the others' below it), and `status --fleet` shows it. With the alerting off,
 * nothing alerts, but `/api/fleet` and `status --fleet` still compare the hubs and name the slow one, and the
 * web dashboard's Fleet page (in Debian's Chromium) highlights its cell.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { historyDbPath } from '../../src/config/paths.js';
import { freePort, launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import type { FleetHubRow, FleetOutlier } from '../../src/evaluate/fleet.js';
import { startDelayProxy, type DelayProxy } from '../support/delay-proxy.js';
import { CHROMIUM, openPage } from '../support/browser.js';
import { skipUnless } from '../support/requires.js';
import { httpRequest } from '../support/fake-daemon-view.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, storedAlerts, storedEvents, waitForPolls, waitForStored } from '../support/daemon-process.js';
import { waitUntil } from '../support/wait.js';

/**
 * With three hubs the MAD is the gap between the two fast ones (floored at fleet.min_mad, 20 ms), and the
 * slow one fires when it is 5.2 MADs above the median: 300 ms stands out even when a busy machine puts
 * 50 ms between the two fast hubs' medians.
 */
const DELAY_MS = 300;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let hubs: RunningHub[] = [];
let proxy: DelayProxy;
/** The URLs the daemon watches: two hubs directly, the third through the slow path. */
let watched: { fast: [string, string]; slow: string };

beforeAll(async () => {
  for (const n of [1, 2, 3]) hubs.push(await launchHub({ servers: { alpha: testServer({ MHM_TAG: `alpha-${n}` }) } }));
  proxy = await startDelayProxy(hubs[2]!.port, DELAY_MS);
  watched = { fast: [hubs[0]!.url, hubs[1]!.url], slow: proxy.url };
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  for (const hub of hubs) await hub.stop();
  hubs = [];
});

interface FleetDoc { hubs: FleetHubRow[]; outliers: FleetOutlier[]; findings: { hub: string; subject: string; message: string }[]; notJudged: string | null }

/** A daemon on the three hubs with this config; its state dir and HTTP base. */
async function fleetDaemon(config: string[]): Promise<{ state: string; file: string; base: string }> {
  const state = stateDir();
  const file = join(state, 'config.yaml');
  const port = await freePort();
  writeFileSync(file, [`http:`, `  listen: 127.0.0.1:${port}`, 'probes:', '  interval: 2s', 'fleet:', '  interval: 1s', '  window: 1m', ...config].join('\n'));
  startDaemonProcess(hubs[0]!, state, ['--hub', watched.fast[1], '--hub', watched.slow, '--config', file], cleanups);
  return { state, file, base: `http://127.0.0.1:${port}` };
}

/**
 * Eight polls of each hub: the first ones of a new connection are slower, and a median of two or three
 * polls is still theirs; from then on each hub's median is its steady latency.
 */
const settled = (state: string) => waitForPolls(state, 3 * 8, 0, 45_000);

const apiFleet = async (base: string): Promise<FleetDoc> => JSON.parse((await httpRequest(base, '/api/fleet')).body) as FleetDoc;

/** /api/fleet once every hub has a few polls in the window and the slow one stands out (a look that throws: the daemon's HTTP server is not up yet). */
const slowOutlierSeen = (base: string) => waitUntil(async () => {
  const doc = await apiFleet(base);
  return doc.hubs.length === 3 && doc.outliers.some((o) => o.metric === 'health_latency_ms') ? doc : undefined;
}, { what: '/api/fleet naming a latency outlier', timeoutMs: 45_000, everyMs: 200 });

/** The fleet's numbers: the slow hub's median health latency is at least the injected delay, the others' below it. */
function expectNumbersRight(doc: FleetDoc): void {
  const row = (hub: string) => doc.hubs.find((h) => h.hub === hub)!;
  expect(row(watched.slow).latency!.p50).toBeGreaterThanOrEqual(DELAY_MS);
  for (const hub of watched.fast) expect(row(hub).latency!.p50).toBeLessThan(DELAY_MS);
  const latency = doc.outliers.filter((o) => o.metric === 'health_latency_ms');
  expect(latency.map((o) => o.hub)).toEqual([watched.slow]);
  expect(latency[0]!.value).toBe(row(watched.slow).latency!.p50);
  expect(latency[0]!.median).toBeLessThan(DELAY_MS);
  expect(latency[0]!.z).toBeGreaterThan(3.5);
  // Only the slow hub stands out.
  expect(doc.outliers.filter((o) => o.hub !== watched.slow)).toEqual([]);
}

async function expectFleetStatus(state: string, file: string): Promise<void> {
  const env = isolatedEnv();
  const json = await runCli(['status', '--fleet', '--json', '--state-dir', state, '--config', file], env);
  expect(json.code, json.stdout + json.stderr).toBe(1);
  expectNumbersRight(JSON.parse(json.stdout) as FleetDoc);
  const text = await runCli(['status', '--fleet', '--state-dir', state, '--config', file], env);
  expect(text.code).toBe(1);
  expect(text.stdout).toMatch(/^fleet over the last 1m: 3 hubs\n/);
  expect(text.stdout).toMatch(new RegExp(`outliers: \\d+ outliers? \\(fleet\\.outlier\\)\\n(.*\\n)*  ${watched.slow.replace(/[.:/]/g, '\\$&')}  health_latency_ms: health latency \\(median of its polls\\) \\d+(\\.\\d)? ms over the last 1m, against \\d+(\\.\\d)? ms for the fleet's median hub \\(robust z [\\d.]+\\): this hub stands out, not the fleet\\n`));
}

/** The fleet.outlier alerts the daemon stored, in any state. */
const fleetAlerts = (state: string) => storedAlerts(state, 'fleet.outlier');

test('one hub of three behind a 300 ms path: fleet.outlier fires on health latency naming it; the numbers are right; status --fleet shows it', async () => {
  const { state, file, base } = await fleetDaemon(['alerting:', '  group_wait: 1s']);
  // The first polls of a starting daemon are slow on every hub and can make an early verdict flap: judged once settled.
  await settled(state);
  const fired = await waitForStored(() => fleetAlerts(state), (a) => a.state === 'firing' && a.hub === watched.slow && JSON.parse(a.labels).metric === 'health_latency_ms', 'fleet.outlier on the slow hub\'s latency', 30_000);
  expect(JSON.parse(fired.labels)).toEqual({ rule: 'fleet.outlier', hub: watched.slow, metric: 'health_latency_ms' });
  expect(fired.summary).toMatch(/^health latency \(median of its polls\) \d+(\.\d)? ms over the last 1m, against \d+(\.\d)? ms for the fleet's median hub \(robust z [\d.]+\): this hub stands out, not the fleet$/);
  expect(fleetAlerts(state).filter((a) => a.state === 'firing' && a.hub !== watched.slow)).toEqual([]);
  expectNumbersRight(await slowOutlierSeen(base));
  await expectFleetStatus(state, file);
}, 120_000);

test('the alerting off: no alert, but /api/fleet and status --fleet still compare the hubs and name the slow one', async () => {
  const { state, file, base } = await fleetDaemon(['alerting:', '  enabled: false']);
  await settled(state);
  expectNumbersRight(await slowOutlierSeen(base));
  await expectFleetStatus(state, file);
  expect(storedEvents(state).filter((e) => e.type.startsWith('alert_'))).toEqual([]);
  expect(fleetAlerts(state)).toEqual([]);
}, 120_000);

test('the web Fleet page of the daemon watching the three real hubs: a row each, the slow hub\'s p50 cell highlighted and the hub named against the fleet\'s median', { ...skipUnless(CHROMIUM), timeout: 120_000 }, async () => {
  const { state, base } = await fleetDaemon(['alerting:', '  enabled: false']);
  await settled(state);
  const doc = await slowOutlierSeen(base);
  const { page, problems } = await openPage(cleanups, { viewport: { width: 1400, height: 800 }, consoleErrors: true });
  await page.goto(`${base}/fleet`);
  await page.waitForFunction(() => document.querySelectorAll('#fleet tbody tr[data-hub]').length === 3, undefined, { timeout: 15_000 });
  expect(await page.textContent('#fleet-title')).toBe('Fleet over the last 1 min: 3 hubs');
  const rows = await page.$$eval('#fleet tbody tr[data-hub]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.hub));
  expect([...rows].sort()).toEqual([...watched.fast, watched.slow].sort());
  // The slow hub's p50 is the cell that stands out, and it shows at least the injected delay.
  const standsOut = await page.$$eval('#fleet td.stands-out', (tds) => tds.map((td) => [(td.parentElement as HTMLElement).dataset.hub, (td as HTMLElement).dataset.col, td.textContent]));
  expect(standsOut.filter(([hub]) => hub !== watched.slow)).toEqual([]);
  const p50 = standsOut.find(([, col]) => col === 'p50');
  expect(p50?.[0]).toBe(watched.slow);
  expect(Number(p50![2])).toBeGreaterThanOrEqual(DELAY_MS);
  expect(await page.textContent('#judged')).toMatch(/^\d+ outliers? \(fleet\.outlier\)$/);
  const named = await page.$$eval('#outliers tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  expect(named.filter((r) => r[1] === 'health latency (median of its polls)').map((r) => r[0])).toEqual([watched.slow]);
  expect(doc.outliers.some((o) => o.hub === watched.slow && o.metric === 'health_latency_ms')).toBe(true);
  expect(problems).toEqual([]);
});
