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
  /**
   * Console errors, uncaught page errors and 4xx/5xx answers to requests the page made (favicon
   * included): each one fails the scenario (assertCleanPage).
   */
  errors: string[];
  /**
   * Requests Chromium aborted with ERR_NETWORK_CHANGED: another container started on this host and
   * added a network interface while the page loaded. Not the image's doing, and the page is then
   * half loaded: the scenario is run again rather than judged.
   */
  networkChanged: string[];
}

const NETWORK_CHANGED = /ERR_NETWORK_CHANGED/;

export async function newSession(browser: Browser, viewport = { width: 1400, height: 900 }): Promise<BrowserSession> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  const networkChanged: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (NETWORK_CHANGED.test(m.text())) networkChanged.push(`console: ${m.text()}`);
    else errors.push(`console: ${m.text()} (${m.location().url || 'page'})`);
  });
  page.on('requestfailed', (r) => {
    if (NETWORK_CHANGED.test(r.failure()?.errorText ?? '')) networkChanged.push(`${r.method()} ${r.url()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return { context, page, errors, networkChanged };
}

/** The run met a change of the host's network (see BrowserSession.networkChanged): run it again. */
export class NetworkChanged extends Error {}

/**
 * Fails when the page logged a console error, threw, or got a 4xx/5xx answer, bar the `allow`ed
 * lines (say why beside each); throws NetworkChanged instead when the host's network changed.
 */
export function assertCleanPage(s: BrowserSession, allow: RegExp[] = []): void {
  if (s.networkChanged.length) {
    throw new NetworkChanged(`the host's network changed during the run: ${s.networkChanged.slice(0, 3).join(' | ')}`);
  }
  const errors = s.errors.filter((e) => !allow.some((a) => a.test(e)));
  if (errors.length) throw new Error(`the page reported ${errors.length} error(s):\n${errors.join('\n')}`);
}

export interface ScenarioOptions {
  /** Page errors that are expected (see assertCleanPage). */
  allow?: RegExp[];
  /** Runs made in all when the host's network keeps changing (default 3). */
  attempts?: number;
}

/**
 * Runs a browser scenario in a fresh context and fails it on any page error (assertCleanPage); on
 * failure keeps a screenshot and the page errors. A run the host's network disturbed is made again.
 */
export async function runScenario(
  browser: Browser,
  name: string,
  fn: (s: BrowserSession) => Promise<void>,
  opts: ScenarioOptions = {},
): Promise<void> {
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const s = await newSession(browser);
    try {
      let failure: unknown;
      await fn(s).catch((e) => {
        failure = e;
      });
      if (s.networkChanged.length && attempt < attempts) {
        console.log(`# ${name}: the host's network changed during run ${attempt} (a container started): run again`);
        continue;
      }
      if (failure) throw failure;
      assertCleanPage(s, opts.allow);
      return;
    } catch (e) {
      const shot = await screenshot(s.page, `${name}-FAILED`).catch(() => '(no screenshot)');
      const errors = [...s.errors, ...s.networkChanged.map((n) => `network changed: ${n}`)];
      throw new Error(`${(e as Error).message}\nscreenshot: ${shot}\npage errors:\n${errors.join('\n')}`);
    } finally {
      await s.context.close();
    }
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
