// kfc build's progress on a real engine: a two-image family built twice. The first build records
// each step's duration in .kfc/build-history.json; the second shows them as estimates (CI lines and
// the terminal view) and its final table shows every step cached.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { execa } from 'execa';
import { engineAnswers } from '../../src/testing/engine-check.ts';
import { needs } from '../../src/testing/parts.ts';
import { removeImagesBuiltUnder } from './built-under-tag.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const engineUp = await engineAnswers();
const work = mkdtempSync(join(tmpdir(), 'kfc-progress-'));
const root = join(work, 'catalog');
const repo = 'kfc-progress-it';
const tag = `it-${randomBytes(3).toString('hex')}`;
const token = randomBytes(8).toString('hex');
const TIME = /^\d\d:\d\d:\d\d /;

function kfc(args: string[]) {
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', root, ...args], {
    reject: false,
    env: { CI: '' },
  });
}
/** This file's fixture steps are its own (tests/fixtures/engine/docker-bits/fixture.Dockerfile says why). */
const ownSteps = ['--build-arg', 'KFC_IT_FILE=build-progress'];
const build = (...more: string[]) =>
  kfc(['build', 'fixture', 'fixture-progress', ...ownSteps, '--repo', repo, '--tag', tag, ...more]);
const figures: Record<string, number> = {};

/** One row of the final table: image → [time, cached, size]. */
function tableRow(stderr: string, image: string): string[] {
  const row = stderr.split('\n').find((l) => new RegExp(`│ ${image} +│`).test(l));
  assert.ok(row, `a table row for ${image} in\n${stderr}`);
  return row
    .split('│')
    .slice(2, -1)
    .map((c) => c.trim());
}

describe('kfc build progress', {
  skip: needs(!engineUp && 'no Docker engine answers (run scripts/provision.sh)'),
}, () => {
  // The engine fixture plus a child whose one RUN is new to the cache (a random token) and takes ~1 s.
  cpSync(join(repoRoot, 'tests/fixtures/engine'), root, { recursive: true });
  writeFileSync(join(root, 'docker-bits/progress.Dockerfile'), `RUN echo ${token} > /tmp/kfc-progress && sleep 1\n`);
  appendFileSync(
    join(root, 'images.yaml'),
    '  fixture-progress:\n    extends: fixture\n    description: progress test child\n    bits: [progress]\n',
  );

  after(async () => {
    await removeImagesBuiltUnder([tag]);
    rmSync(work, { recursive: true, force: true });
    process.stdout.write(`progress figures (s): ${JSON.stringify(figures)}\n`);
  });

  let firstRun = 0;

  test('the first build prints timestamped step lines and records what each step took', async () => {
    assert.equal((await kfc(['generate'])).exitCode, 0);
    // The parent alone first, so its steps are in the cache whatever ran before: only the child's RUN is new.
    const parent = await kfc(['build', 'fixture', ...ownSteps, '--repo', repo, '--tag', tag]);
    assert.equal(parent.exitCode, 0, parent.stderr);
    const t0 = performance.now();
    const r = await build();
    figures.first = Math.round(performance.now() - t0) / 1000;
    assert.equal(r.exitCode, 0, r.stderr);
    const lines = r.stderr.split('\n').filter(Boolean);
    for (const l of lines) assert.match(l, TIME, 'every CI line has its time');
    const start = /fixture-progress: step (\d+)\/\1 RUN docker-bits\/progress\.Dockerfile:1/.exec(r.stderr);
    assert.ok(start, `the new RUN, at its bit line:\n${r.stderr}`);
    // "done" folds into the step's line when it comes within a second, else it has its own line.
    const done = new RegExp(String.raw`fixture-progress: step ${start[1]}/\d+ (?:RUN \S+ )?done in (\d+\.\d) s$`, 'm');
    firstRun = Number(done.exec(r.stderr)?.[1]);
    assert.ok(firstRun >= 1, 'the RUN sleeps 1 s');
    assert.equal(tableRow(r.stderr, 'fixture-progress')[1], '4/5', 'the new RUN was not cached');
    const history = JSON.parse(readFileSync(join(root, '.kfc/build-history.json'), 'utf8'));
    assert.deepEqual(Object.keys(history.images).sort(), ['fixture', 'fixture-progress']);
    assert.ok(Object.values(history.images['fixture-progress'].steps).includes(firstRun));
  });

  test('the second build shows the first one’s durations and a table of all steps cached', async () => {
    const t0 = performance.now();
    const r = await build('--json');
    figures.second = Math.round(performance.now() - t0) / 1000;
    assert.equal(r.exitCode, 0, r.stderr);
    const estimate =
      `step \\d+/\\d+ RUN docker-bits/progress\\.Dockerfile:1 ` + `\\(last run ${firstRun.toFixed(1)} s\\) cached`;
    assert.match(r.stderr, new RegExp(`${TIME.source}  fixture-progress: ${estimate}$`, 'm'));
    assert.match(r.stderr, /kfc build: \[2\/2\] fixture-progress \(last run: \d+s(?: for \d+ of 6 steps)?\)$/m);
    const results = JSON.parse(r.stdout) as { image: string; steps: number }[];
    for (const { image, steps } of results) {
      const [, cached] = tableRow(r.stderr, image);
      assert.equal(cached, `${steps - 1}/${steps - 1}`, `${image}: every own step cached`);
    }
  });

  test('on a terminal the status line carries the step, its bit and the time left', async () => {
    const r = await build('--progress', 'tty');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(
      r.stderr,
      /fixture-progress \[2\/2\] {2}step \d+\/\d+ [A-Z]+ \S+:\d+ {2}\d+:\d\d {2}~\d+s left/,
      'an estimate from the history',
    );
    assert.ok(r.stderr.includes('\u001b[2K'), 'the status line is redrawn in place');
  });
});
