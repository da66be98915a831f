/**
 * Real-browser helpers for image tests: Debian's headless Chromium driven by playwright-core
 * (no browser download), one fresh context per test, screenshots under reports/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.KFC_CHROMIUM ?? '/usr/bin/chromium';
const repoRoot = new URL('../..', import.meta.url).pathname;
const SCREENSHOT_DIR = join(repoRoot, 'reports', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors, for diagnostics. */
  errors: string[];
}

export async function newSession(browser: Browser, viewport = { width: 1400, height: 900 }): Promise<BrowserSession> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return { context, page, errors };
}

/** Saves a full-page PNG as reports/screenshots/<image>-<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const image = (process.env.KFC_TEST_NAME ?? process.env.KFC_TEST_IMAGE ?? 'image').replace(/[^A-Za-z0-9._-]+/g, '_');
  const file = join(SCREENSHOT_DIR, `${image}-${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
