/**
 * Debian's Chromium through playwright-core, for the web dashboard's tests: the requirement (a test without
 * it is skipped, saying which package un-skips it) and a page whose script errors are collected, with the
 * browser closed by the test's cleanups.
 */
import type { Browser, Page } from 'playwright-core';
import { tool } from './requires.js';

export const CHROMIUM = tool('chromium', 'chromium');

export interface OpenedPage {
  page: Page;
  browser: Browser;
  /** Uncaught page errors and, with `consoleErrors`, console.error lines: a test expects none. */
  problems: string[];
}

export async function openPage(cleanups: (() => unknown)[], o: { viewport?: { width: number; height: number }; consoleErrors?: boolean } = {}): Promise<OpenedPage> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM.path!, args: ['--no-sandbox'] });
  cleanups.push(() => browser.close());
  const page = await browser.newPage(o.viewport ? { viewport: o.viewport } : {});
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  if (o.consoleErrors) page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  return { page, browser, problems };
}
