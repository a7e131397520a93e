/**
 * The HTML report in a real browser (Debian's Chromium through playwright-core): the inline SVG charts
 * are drawn, nothing is loaded from anywhere, and a server named `<img src=x onerror=…>` is shown as
 * text — no script runs. Leaves a screenshot in test-artifacts/report.png for a human to look at.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../support/cli.js';
import { END, seedStore } from '../support/seeded-store.js';
import { skipUnless, tool } from '../support/requires.js';

const CHROMIUM = tool('chromium', 'chromium');
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

let seed: ReturnType<typeof seedStore>;
let browser: Browser | undefined;
const temps: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};
beforeAll(async () => {
  if (!CHROMIUM.met) return;
  seed = seedStore();
  browser = await chromium.launch({ executablePath: CHROMIUM.path!, args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  seed?.cleanup();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

test('the HTML report shows its charts, loads nothing, runs no script and shows hostile names as text', skipUnless(CHROMIUM), async () => {
  const file = join(tempDir('mhm-report-html-'), 'weekly.html');
  const run = await runCli(['report', 'weekly', '--format', 'html', '--at', new Date(END).toISOString(), '--output', file, '--state-dir', seed.stateDir]);
  expect(run.code).toBe(0);

  const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const url = pathToFileURL(file).href;
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForTimeout(200); // an onerror handler would have run by now

  // JavaScript is enabled in this page (we can evaluate), yet nothing of the report's ran.
  expect(await page.evaluate(() => typeof (window as unknown as { __pwned?: unknown }).__pwned)).toBe('undefined');
  expect(await page.locator('script, img, iframe, object, embed').count()).toBe(0);
  expect(requests).toEqual([url]); // the document only: no image, font, style or script fetched
  const text = await page.locator('main').innerText();
  expect(text).toContain('<img src=x onerror="window.__pwned=1">');
  expect(text).toContain('<script>alert(1)</script>');

  const charts = page.locator('figure > svg');
  expect(await charts.count()).toBe(8);
  for (let i = 0; i < 8; i++) {
    const svg = charts.nth(i);
    const box = await svg.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(box!.height).toBeGreaterThan(60); // a one-bar chart is 80 px high
    expect(await svg.locator('path, rect').count()).toBeGreaterThan(1);
  }
  // The availability line of hub A is drawn with a real extent, not collapsed to a point.
  const line = charts.nth(3).locator('path[stroke="#2563eb"]').first();
  expect((await line.boundingBox())!.width).toBeGreaterThan(300);

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
  expect(existsSync(join(ARTIFACTS, 'report.png'))).toBe(true);
  await page.close();
});

test('the SVG files beside a Markdown report open on their own as well-formed SVG, hostile labels as text', skipUnless(CHROMIUM), async () => {
  const dir = tempDir('mhm-report-svg-');
  const run = await runCli(['report', 'weekly', '--at', new Date(END).toISOString(), '--output', join(dir, 'weekly.md'), '--state-dir', seed.stateDir]);
  expect(run.code).toBe(0);
  const svgs = readdirSync(dir).filter((f) => f.endsWith('.svg')).sort();
  expect(svgs).toHaveLength(8);
  const page = await browser!.newPage();
  for (const f of svgs) {
    await page.goto(pathToFileURL(join(dir, f)).href, { waitUntil: 'load' });
    // An XML error makes Chromium show a <parsererror> instead of the drawing.
    expect(await page.evaluate(() => [document.documentElement.localName, document.getElementsByTagName('parsererror').length])).toEqual(['svg', 0]);
  }
  await page.goto(pathToFileURL(join(dir, 'weekly-servers-2.svg')).href);
  expect(await page.evaluate(() => document.documentElement.textContent)).toContain('<script>al');
  expect(await page.evaluate(() => document.getElementsByTagName('script').length)).toBe(0);
  await page.close();
});
