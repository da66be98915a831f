/**
 * One first run of a new notebook (src/testing/first-cell.ts) on a fresh page of its own browser, as the
 * first-cell suites make it: launched once the container runs, the host's network watched, a screenshot
 * kept when the run is lost.
 */
import type { Browser } from 'playwright-core';
import { assertCleanPage, launchBrowser, newSession, screenshot } from './browser.ts';
import type { Notebook } from './container.ts';
import { type FirstCellResult, firstCellRun, type Timing } from './first-cell.ts';

export interface FirstCellOutcome {
  result?: FirstCellResult;
  /** The host's network changed during the run (another container started): run again, not judged. */
  disturbed: boolean;
  pageErrors: string[];
  shot?: string;
}

/** Run `run` prints "run <run × 42>": each run's output is its own. */
const code = (run: number) => ({ code: `print("run", ${run} * 6 * 7)`, expect: `run ${run * 42}` });

export async function firstCellOnFreshPage(nb: Notebook, timing: Timing, run: number): Promise<FirstCellOutcome> {
  const browser: Browser = await launchBrowser();
  const s = await newSession(browser);
  try {
    const result = await firstCellRun(s.page, { labUrl: nb.url('/lab'), timing, ...code(run) }).catch((e) => {
      if (s.networkChanged.length) return undefined;
      throw e;
    });
    if (s.networkChanged.length) return { disturbed: true, pageErrors: [] };
    let pageErrors: string[] = [];
    try {
      assertCleanPage(s);
    } catch (e) {
      pageErrors = [(e as Error).message];
    }
    const shot = result?.lost ? await screenshot(s.page, `first-cell-LOST-${run}`).catch(() => undefined) : undefined;
    return { ...(result ? { result } : {}), disturbed: false, pageErrors, ...(shot ? { shot } : {}) };
  } finally {
    await s.context.close();
    await browser.close().catch(() => {});
  }
}
