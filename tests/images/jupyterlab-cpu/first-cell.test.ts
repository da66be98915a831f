// kfc-test: uncached: its outcome is a loss rate over fresh containers and measured times, not a fact of the image
// jupyterlab-cpu, as a new user tries it (issue 21): in a FRESH container each time, open JupyterLab, create
// a notebook from the Launcher and press Shift+Enter at one of three moments, spread evenly: the editor
// takes input, the toolbar's execution indicator reads idle, the status bar reads "| Idle". Every first run
// must print its output: JupyterLab 4.6.6 drops a run made while the new kernel's session is being
// attached (no execute_request, prompt "[ ]:"); resources/jupyterlab/first-run holds such a run instead.
// first-cell-window.test.ts makes those windows certain and is kept by content; this file's outcome is a
// loss rate over fresh containers and is never kept.
//
// KFC_FIRST_CELL_RUNS=N runs N fresh containers (npm run bench: 30 for jupyterlab-cpu, 10 per descendant);
// the figures go to reports/first-cell-<image>.json.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';
import { type FirstCellResult, formatFrames, TIMINGS } from '../../../src/testing/first-cell.ts';
import { type FirstCellOutcome, firstCellOnFreshPage } from '../../../src/testing/first-cell-page.ts';

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
describe(`jupyterlab-cpu: a new notebook's first Shift+Enter (${NAME})`, () => {
  test(`the first cell prints its output in ${RUNS} of ${RUNS} fresh containers, over the three timings`, async () => {
    assert.ok(RUNS >= MIN_RUNS, `KFC_FIRST_CELL_RUNS must be at least ${MIN_RUNS} for ${NAME}`);
    const results: FirstCellResult[] = [];
    const problems: string[] = [];
    let disturbed = 0;
    for (let run = 1; results.length < RUNS; run++) {
      const timing = TIMINGS[results.length % TIMINGS.length]!;
      const nb: Notebook = await startNotebook();
      let o: FirstCellOutcome;
      try {
        o = await firstCellOnFreshPage(nb, timing, run);
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
      const outcome = r.lost ? `LOST, prompt ${r.prompt}` : r.late ? 'ran LATE (sent, slow)' : 'ran';
      console.log(
        `# run ${run} (${timing}): ${outcome}; launcher ${r.launcherMs} ms, ` +
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
        // From the later of the press and the status bar's "Idle": the goal is <= 2 s.
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
      // Sent and run, but the output came after the 20 s wait (a loaded machine): not lost.
      late: results.filter((r) => r.late).length,
      launcherMs: median(results.map((r) => r.launcherMs)),
      statusIdleMs: median(results.flatMap((r) => (r.statusIdleMs !== undefined ? [r.statusIdleMs] : []))),
      outputAfterIdleMs: median(
        results.flatMap((r) => (r.lost ? [] : [r.outputMs! - Math.max(r.pressMs, r.statusIdleMs ?? r.pressMs)])),
      ),
    };
    console.log(
      `# all: ${all.lost} of ${all.runs} lost, ${all.late} late (${disturbed} disturbed runs repeated); ` +
        `medians: launcher ` +
        `${all.launcherMs} ms, status Idle ${all.statusIdleMs} ms, output ${all.outputAfterIdleMs} ms after Idle`,
    );
    mkdirSync(join(repoRoot, 'reports'), { recursive: true });
    writeFileSync(
      join(repoRoot, 'reports', `first-cell-${NAME.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`),
      `${JSON.stringify({ image: process.env.KFC_TEST_IMAGE, name: NAME, disturbed, all, perTiming }, null, 2)}\n`,
    );
    assert.deepEqual(problems, [], problems.join('\n\n'));
  });
});
