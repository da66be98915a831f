/**
 * Real-browser helpers for image tests: Debian's headless Chromium driven by playwright-core
 * (no browser download), one fresh context per test, screenshots under reports/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { chromiumPath } from './chromium.ts';

export const CHROMIUM = chromiumPath();
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

/** Runs a browser scenario in a fresh context; on failure keeps a screenshot and the page errors. */
export async function runScenario(
  browser: Browser,
  name: string,
  fn: (s: BrowserSession) => Promise<void>,
): Promise<void> {
  const s = await newSession(browser);
  try {
    await fn(s);
  } catch (e) {
    const shot = await screenshot(s.page, `${name}-FAILED`).catch(() => '(no screenshot)');
    throw new Error(`${(e as Error).message}\nscreenshot: ${shot}\npage errors:\n${s.errors.join('\n')}`);
  } finally {
    await s.context.close();
  }
}

/** Saves a full-page PNG as reports/screenshots/<image>-<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const image = (process.env.KFC_TEST_NAME ?? process.env.KFC_TEST_IMAGE ?? 'image').replace(/[^A-Za-z0-9._-]+/g, '_');
  const file = join(SCREENSHOT_DIR, `${image}-${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
