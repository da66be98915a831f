/** kfc build's progress: step identities, estimates, the history file, the terminal line, CI lines, the table. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { emptyHistory, readHistory, saveImageHistory } from '../../src/engine/build-history.ts';
import { linesReporter, resolveMode } from '../../src/engine/build-reporter.ts';
import { buildTable } from '../../src/engine/build-table.ts';
import { recordImage, StepEstimator, stepKeys } from '../../src/engine/estimate.ts';
import { ImageProgress } from '../../src/engine/image-progress.ts';
import { clock, roughly, statusLine } from '../../src/engine/progress-format.ts';
import { buildSteps } from '../../src/engine/steps.ts';

const dir = mkdtempSync(join(tmpdir(), 'kfc-progress-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const BIT = 'docker-bits/tool.Dockerfile';
/** A Dockerfile whose lines 2.. all come from one bit. */
function stepsOf(lines: string[]) {
  const origins = lines.map((_, i) => ({ file: i === 0 ? 'images.yaml' : BIT, line: i + 1 }));
  return buildSteps(`${lines.join('\n')}\n`, origins);
}
const base = [
  'FROM kfc/debian:trixie',
  'RUN apt-get update && \\',
  '    apt-get install -y curl',
  'COPY a /a',
  'RUN make',
];

describe('step identity', () => {
  it('survives renumbering: a step inserted earlier keeps the others keys', () => {
    const before = stepKeys(stepsOf(base));
    const after = stepKeys(stepsOf([base[0]!, 'WORKDIR /w', ...base.slice(1)]));
    assert.equal(after.length, before.length + 1);
    assert.deepEqual([after[0], ...after.slice(2)], before);
  });

  it('changes when the instruction changes, not when only its line breaks do', () => {
    const edited = stepKeys(stepsOf([...base.slice(0, 4), 'RUN make install']));
    assert.notEqual(edited[3], stepKeys(stepsOf(base))[3]);
    const oneLine = stepKeys(stepsOf([base[0]!, 'RUN apt-get update && apt-get install -y curl', ...base.slice(3)]));
    assert.equal(oneLine[1], stepKeys(stepsOf(base))[1]);
  });

  it('tells identical instructions of one bit apart', () => {
    const keys = stepKeys(stepsOf(['FROM x', 'RUN true', 'RUN true']));
    assert.equal(new Set(keys).size, 3);
  });
});

describe('StepEstimator and recordImage', () => {
  const keys = ['from', 'apt', 'copy', 'make'];
  const prior = { at: '2026-01-01T00:00:00.000Z', steps: { from: 0.1, apt: 30, make: 12 } };

  it('sums what is left: unfinished steps plus what running ones still need', () => {
    const est = new StepEstimator(keys, prior);
    assert.equal(est.forStep(2), 30);
    assert.equal(est.forStep(3), undefined);
    assert.deepEqual(est.total(), { seconds: 42.1, unknown: 1 });
    // FROM and COPY finished, apt has run 25 s of its 30: 5 + 12 left.
    assert.deepEqual(est.remaining(new Set([1, 3]), new Map([[2, 25]])), { seconds: 17, unknown: 0 });
    // A running step that overran its estimate adds nothing, never a negative.
    assert.deepEqual(est.remaining(new Set([1, 3]), new Map([[2, 99]])), { seconds: 12, unknown: 0 });
  });

  it('has no estimate without history', () => {
    const est = new StepEstimator(keys, undefined);
    assert.equal(est.hasHistory, false);
    assert.deepEqual(est.total(), { seconds: 0, unknown: 4 });
  });

  it('keeps the last real run of a cached step and drops steps gone from the image', () => {
    const next = recordImage({ ...prior, steps: { ...prior.steps, gone: 5 } }, keys, new Map([[3, 2]]), new Date(0));
    assert.deepEqual(next, { at: '1970-01-01T00:00:00.000Z', steps: { from: 0.1, apt: 30, copy: 2, make: 12 } });
  });
});

describe('the history file', () => {
  it('round-trips through an atomic write', () => {
    const file = join(dir, 'h', 'build-history.json');
    assert.deepEqual(readHistory(file), emptyHistory(), 'missing: no estimate');
    const h = readHistory(file);
    assert.equal(saveImageHistory(file, h, 'img', { at: 'now', steps: { a: 1.5 } }), undefined);
    assert.deepEqual(readHistory(file).images.img, { at: 'now', steps: { a: 1.5 } });
  });

  it('treats a corrupt or foreign file as empty, and a failed write as a note, never a crash', () => {
    const file = join(dir, 'bad.json');
    for (const text of ['{not json', '{"version":2,"images":{}}', '{"version":1,"images":{"x":{"steps":{"a":-1}}}}']) {
      writeFileSync(file, text);
      assert.deepEqual(readHistory(file), emptyHistory(), text);
    }
    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, '');
    const why = saveImageHistory(join(blocked, 'h.json'), emptyHistory(), 'img', { at: 'now', steps: {} });
    assert.match(why ?? '', /could not save build history .*a-file\/h\.json/);
  });
});

/** A 4-step image whose apt step took 30 s and make 12 s last time; times in ms on a fake clock. */
function running() {
  const steps = stepsOf(base);
  const keys = stepKeys(steps);
  const history = { at: '', steps: { [keys[1]!]: 30, [keys[3]!]: 12 } };
  return new ImageProgress('tool', '2/3', steps, new StepEstimator(keys, history), 0);
}

describe('the terminal status line', () => {
  it('names the image, the step with its bit line, the elapsed time and what is left', () => {
    const p = running();
    assert.match(statusLine(p, 1000), /^tool \[2\/3\] {2}starting {2}0:01$/);
    p.apply({ started: 1 }, 1000);
    p.apply({ done: 1, seconds: 0.1 }, 1100);
    assert.match(statusLine(p, 1500), /step 1\/4 FROM images\.yaml:1 {2}0:01/, 'between steps: the last one');
    p.apply({ started: 2 }, 2000);
    assert.equal(
      statusLine(p, 12_000),
      `tool [2/3]  step 2/4 RUN ${BIT}:2  0:12  ~32s left + 1 untimed step`,
      '30 s apt with 10 s run, the 12 s make, the COPY never ran before',
    );
    p.apply({ done: 2, seconds: 31 }, 33_000);
    p.apply({ started: 3 }, 33_000);
    p.apply({ cached: 3 }, 33_000);
    p.apply({ started: 4 }, 33_500);
    assert.equal(statusLine(p, 36_500), `tool [2/3]  step 4/4 RUN ${BIT}:5  0:36  ~9s left`);
    assert.deepEqual(
      [...p.ran],
      [
        [1, 0.1],
        [2, 31],
      ],
      'what the history will keep: steps that ran',
    );
  });

  it('says when there is no estimate yet', () => {
    const steps = stepsOf(base);
    const p = new ImageProgress('new', '1/1', steps, new StepEstimator(stepKeys(steps), undefined), 0);
    p.apply({ started: 2 }, 0);
    assert.match(statusLine(p, 5000), /step 2\/4 RUN .* {2}0:05 {2}no estimate yet$/);
  });

  it('formats clocks and rough durations', () => {
    assert.deepEqual([clock(7), clock(750), clock(3725)], ['0:07', '12:30', '1:02:05']);
    assert.deepEqual([roughly(4.4), roughly(185), roughly(3725)], ['4s', '3m05s', '1h02m']);
  });
});

describe('CI lines', () => {
  it('timestamps every line and folds a step with its outcome when it comes at once', () => {
    const out: string[] = [];
    const r = linesReporter(
      (l) => out.push(l),
      () => new Date('2026-12-01T08:12:03.000Z'),
    );
    const p = running();
    r.begin([p]);
    r.message('kfc build: [2/3] tool');
    for (const ev of [{ started: 1 }, { done: 1, seconds: 0 }, { started: 2 }, { cached: 2 }, { started: 3 }])
      r.event(p, ev);
    r.message('a note');
    r.event(p, { done: 3, seconds: 4.2 });
    r.end();
    assert.deepEqual(out, [
      '08:12:03 kfc build: [2/3] tool',
      '08:12:03   tool: step 1/4 FROM images.yaml:1 done in 0.0 s',
      `08:12:03   tool: step 2/4 RUN ${BIT}:2 (last run 30.0 s) cached`,
      `08:12:03   tool: step 3/4 COPY ${BIT}:4`,
      '08:12:03 a note',
      '08:12:03   tool: step 3/4 done in 4.2 s',
    ]);
  });

  it('is what auto gives outside a terminal or on CI; a terminal elsewhere gets the live view', () => {
    assert.equal(resolveMode('auto', { isTTY: true, columns: 120 }, {}), 'tty');
    assert.equal(resolveMode('auto', { isTTY: true, columns: 0 }, {}), 'lines', 'a terminal of no size');
    assert.equal(resolveMode(undefined, { isTTY: true, columns: 120 }, { CI: 'true' }), 'lines');
    assert.equal(resolveMode('auto', { isTTY: false }, {}), 'lines');
    assert.equal(resolveMode('plain', { isTTY: true }, {}), 'plain');
  });
});

describe('the final table', () => {
  it('gives image, time, own steps cached (FROM aside) and size, with a total row for a family', () => {
    const results = [
      { image: 'base', seconds: 95, cachedSteps: 5, steps: 6, size: 1.23e9 },
      { image: 'child', seconds: 98, cachedSteps: 2, steps: 8, size: 2e8 },
    ];
    const text = buildTable(results, 99.6);
    const rows = text.split('\n').filter((l) => /base|child|images/.test(l));
    assert.match(rows[0]!, /base .*1m35s .*5\/5 .*1\.23 GB/);
    assert.match(rows[1]!, /child .*1m38s .*2\/7 .*200\.0 MB/);
    assert.match(rows[2]!, /2 images .*1m40s .*7\/12/, "the build's wall time: the images build concurrently");
    assert.match(
      buildTable(results)
        .split('\n')
        .find((l) => /images/.test(l))!,
      /1m38s/,
      'else the last image',
    );
    assert.ok(!text.includes('\u001b['), 'no colour codes in logs');
  });
});

describe('CI lines of images building at once', () => {
  it('each image folds its own step with its outcome, whatever the other images do meanwhile', () => {
    const out: string[] = [];
    const r = linesReporter(
      (l) => out.push(l),
      () => new Date('2026-12-01T08:12:03.000Z'),
    );
    const [a, b] = [running(), new ImageProgress('sib', '3/3', stepsOf(base), new StepEstimator([], undefined), 0)];
    r.begin([a, b]);
    r.event(a, { started: 4 });
    r.event(b, { started: 4 });
    r.event(a, { cached: 4 });
    r.event(b, { done: 4, seconds: 1.5 });
    r.end();
    assert.deepEqual(out, [
      `08:12:03   tool: step 4/4 RUN ${BIT}:5 (last run 12.0 s) cached`,
      `08:12:03   sib: step 4/4 RUN ${BIT}:5 done in 1.5 s`,
    ]);
  });
});
