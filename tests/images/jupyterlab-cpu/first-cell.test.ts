// kfc-test: uncached: its outcome is a loss rate over fresh containers and measured times, not a fact of the image
// jupyterlab-cpu, as a new user tries it (issue 21): in a FRESH container each time, open JupyterLab, create
// a notebook from the Launcher and press Shift+Enter at one of three moments, spread evenly: the editor
// takes input, the toolbar's execution indicator reads idle, the status bar reads "| Idle". Every first run
// must print its output: JupyterLab 4.6.6 drops a run made while the new kernel's session is being
// attached (no execute_request, prompt "[ ]:"); resources/jupyterlab/first-run holds such a run instead.
// More runs make those windows certain (the page's session answers held until the press): with our
// labextension the run shows [*] and runs; without it, upstream still drops it (else: remove the patch).
//
// KFC_FIRST_CELL_RUNS=N runs N fresh containers (npm run bench: 30 for jupyterlab-cpu, 10 per descendant);
// the figures go to reports/first-cell-<image>.json.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertCleanPage, launchBrowser, newSession, screenshot } from '../../../src/testing/browser.ts';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';
import {
  type FirstCellResult,
  firstCellRun,
  formatFrames,
  TIMINGS,
  type Timing,
} from '../../../src/testing/first-cell.ts';

const OWNER = 'jupyterlab-cpu';
const NAME = process.env.KFC_TEST_NAME ?? OWNER;
// Ten fresh containers on the image that owns this suite; its descendants (which inherit it) run it
// three times, enough to catch a regression they bring, within CI's time.
const MIN_RUNS = NAME === OWNER ? 10 : 3;
const RUNS = Number(process.env.KFC_FIRST_CELL_RUNS ?? MIN_RUNS);
const repoRoot = new URL('../../..', import.meta.url).pathname;

const median = (xs: number[]): number | undefined => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : undefined;
};
const code = (run: number) => ({ code: `print("run", ${run} * 6 * 7)`, expect: `run ${run * 42}` });

interface Outcome {
  result?: FirstCellResult;
  /** The host's network changed during the run (another container started): run again, not judged. */
  disturbed: boolean;
  pageErrors: string[];
  shot?: string;
}

/** One run on a fresh page of its own browser (launched once the container runs: see lab-ui.test.ts). */
async function runOnce(nb: Notebook, timing: Timing, run: number): Promise<Outcome> {
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

describe(`jupyterlab-cpu: a new notebook's first Shift+Enter (${NAME})`, () => {
  test(`the first cell prints its output in ${RUNS} of ${RUNS} fresh containers, over the three timings`, async () => {
    assert.ok(RUNS >= MIN_RUNS, `KFC_FIRST_CELL_RUNS must be at least ${MIN_RUNS} for ${NAME}`);
    const results: FirstCellResult[] = [];
    const problems: string[] = [];
    let disturbed = 0;
    for (let run = 1; results.length < RUNS; run++) {
      const timing = TIMINGS[results.length % TIMINGS.length]!;
      const nb: Notebook = await startNotebook();
      let o: Outcome;
      try {
        o = await runOnce(nb, timing, run);
      } finally {
        await nb.remove();
      }
      if (o.disturbed) {
        disturbed++;
        console.log(`# run ${run} (${timing}): the host's network changed (a container started): another container`);
        assert.ok(disturbed <= RUNS, `the host's network changed in ${disturbed} runs: too busy a machine to judge`);
        continue;
      }
      const r = o.result!;
      results.push(r);
      console.log(
        `# run ${run} (${timing}): ${r.lost ? `LOST, prompt ${r.prompt}` : 'ran'}; launcher ${r.launcherMs} ms, ` +
          `press ${r.pressMs} ms, status Idle ${r.statusIdleMs ?? '-'} ms, output ${r.outputMs ?? '-'} ms`,
      );
      if (r.lost) {
        problems.push(
          `run ${run} (${timing}): LOST, prompt ${r.prompt}, screenshot ${o.shot ?? '-'}; frames:\n${formatFrames(r)}`,
        );
      }
      for (const e of o.pageErrors) problems.push(`run ${run} (${timing}): ${e}`);
    }

    const lines: string[] = [];
    const perTiming = TIMINGS.map((t) => {
      const rs = results.filter((r) => r.timing === t);
      const shown = rs.filter((r) => !r.lost);
      const figures = {
        timing: t,
        runs: rs.length,
        lost: rs.length - shown.length,
        launcherMs: median(rs.map((r) => r.launcherMs)),
        statusIdleMs: median(rs.flatMap((r) => (r.statusIdleMs !== undefined ? [r.statusIdleMs] : []))),
        outputAfterPressMs: median(shown.map((r) => r.outputMs! - r.pressMs)),
        // From the later of the press and the status bar's "Idle": the issue's goal is <= 2 s.
        outputAfterIdleMs: median(shown.map((r) => r.outputMs! - Math.max(r.pressMs, r.statusIdleMs ?? r.pressMs))),
      };
      lines.push(
        `# ${t}: ${figures.lost} of ${rs.length} lost; medians: launcher ${figures.launcherMs} ms, status Idle ` +
          `${figures.statusIdleMs} ms, output ${figures.outputAfterPressMs} ms after the press, ` +
          `${figures.outputAfterIdleMs} ms after Idle`,
      );
      return figures;
    });
    for (const l of lines) console.log(l);
    const all = {
      runs: results.length,
      lost: results.filter((r) => r.lost).length,
      launcherMs: median(results.map((r) => r.launcherMs)),
      statusIdleMs: median(results.flatMap((r) => (r.statusIdleMs !== undefined ? [r.statusIdleMs] : []))),
      outputAfterIdleMs: median(
        results.flatMap((r) => (r.lost ? [] : [r.outputMs! - Math.max(r.pressMs, r.statusIdleMs ?? r.pressMs)])),
      ),
    };
    console.log(
      `# all: ${all.lost} of ${all.runs} lost (${disturbed} disturbed runs repeated); medians: launcher ` +
        `${all.launcherMs} ms, status Idle ${all.statusIdleMs} ms, output ${all.outputAfterIdleMs} ms after Idle`,
    );
    mkdirSync(join(repoRoot, 'reports'), { recursive: true });
    writeFileSync(
      join(repoRoot, 'reports', `first-cell-${NAME.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`),
      `${JSON.stringify({ image: process.env.KFC_TEST_IMAGE, name: NAME, disturbed, all, perTiming }, null, 2)}\n`,
    );
    assert.deepEqual(problems, [], problems.join('\n\n'));
  });

  describe('the window JupyterLab 4.6.6 drops a run in, made certain', () => {
    let nb: Notebook;
    before(async () => {
      nb = await startNotebook();
    });
    after(async () => {
      await nb?.remove();
    });

    /** A held run (see Timing); a run the host's network disturbed is made again. */
    async function held(run: number, timing: 'held' | 'early' = 'held'): Promise<FirstCellResult> {
      for (let attempt = 1; ; attempt++) {
        const o = await runOnce(nb, timing, run);
        if (o.disturbed && attempt < 3) continue;
        assert.ok(!o.disturbed, "the host's network changed in 3 runs");
        assert.deepEqual(o.pageErrors, []);
        return o.result!;
      }
    }

    test('with @kfc/jupyterlab-first-run: the run shows [*] while the session is attached, then runs', async () => {
      const r = await held(101);
      assert.ok(r.queuedShown, `the cell never showed [*] while its kernel was attached; frames:\n${formatFrames(r)}`);
      assert.ok(!r.lost, `the run was dropped (prompt ${r.prompt}); frames:\n${formatFrames(r)}`);
    });

    test('a run pressed before the notebook starts its kernel waits: [*], one kernel, then it runs', async () => {
      const r = await held(103, 'early');
      const posts = r.rest.filter((x) => x.what.startsWith('POST /api/sessions '));
      assert.ok(
        r.queuedShown,
        `the cell never showed [*] while the session context started; frames:\n${formatFrames(r)}`,
      );
      assert.ok(!r.lost, `the run was dropped (prompt ${r.prompt}); frames:\n${formatFrames(r)}`);
      // Upstream starts a second kernel for the run and drops one of the two.
      assert.equal(posts.length, 1, `kernel sessions started: ${posts.length}; frames:\n${formatFrames(r)}`);
    });

    test('without it, JupyterLab 4.6.6 still drops that run (else the patch can go)', async () => {
      const off = await nb.exec(['jupyter', 'labextension', 'disable', '--level=user', '@kfc/jupyterlab-first-run']);
      assert.equal(off.exitCode, 0, off.stderr);
      try {
        const r = await held(102);
        const sent = r.frames.filter((f) => f.dir === 'sent' && f.msgType === 'execute_request');
        assert.ok(
          r.lost && sent.length === 0,
          'JupyterLab no longer drops a run made while the kernel is attached: remove ' +
            'resources/jupyterlab/first-run and its lines in docker-bits/jupyterlab-server.Dockerfile ' +
            `(prompt ${r.prompt}, ${sent.length} execute_request)`,
        );
      } finally {
        await nb.exec(['jupyter', 'labextension', 'enable', '--level=user', '@kfc/jupyterlab-first-run']);
      }
    });
  });
});
