/** kfc node-pull --cold's pure parts: the runs and the registry's pushes and drops, the pull's split, the table. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KfcError } from '../../src/errors.ts';
import { coldPlan } from '../../src/nodepull/cold-plan.ts';
import { parseCompressions, pullsZstd } from '../../src/nodepull/compression.ts';
import { pullPhases } from '../../src/nodepull/pull-phases.ts';
import { type ColdRow, formatColdTable } from '../../src/report/cold-figures.ts';

test('each image: parent present, then nothing present; a root has only the empty node', () => {
  const runs = coldPlan([{ name: 'cpu', parent: 'toolbelt' }, { name: 'torch', parent: 'cpu' }, { name: 'root' }]);
  assert.deepEqual(
    runs.map((r) => [r.image, r.case, r.preload]),
    [
      ['cpu', 'parent present', ['toolbelt']],
      ['cpu', 'nothing present', []],
      ['torch', 'parent present', ['cpu']],
      ['torch', 'nothing present', []],
      ['root', 'nothing present', []],
    ],
  );
});

test('each image is pushed once, at its first use, and dropped after its last', () => {
  const runs = coldPlan([{ name: 'cpu', parent: 'toolbelt' }, { name: 'torch', parent: 'cpu' }, { name: 'root' }]);
  assert.deepEqual(
    runs.map((r) => [r.push, r.dropAfter]),
    [
      [['toolbelt', 'cpu'], ['toolbelt']],
      [[], []],
      [['torch'], ['cpu']],
      [[], ['torch']],
      [['root'], ['root']],
    ],
  );
  // Every pushed image is dropped exactly once, and never before a run that needs it.
  const pushed = runs.flatMap((r) => r.push).sort();
  assert.deepEqual(runs.flatMap((r) => r.dropAfter).sort(), pushed);
  for (const [i, r] of runs.entries())
    for (const need of [...r.preload, r.image])
      assert.ok(!runs.slice(0, i).some((x) => x.dropAfter.includes(need)), `${need} dropped before run ${i}`);
});

test('transfer ends at the last "Download complete"; the rest of the pull is unpack', () => {
  const lines = [
    { atMs: 5, line: 'ci: Pulling from kfc-node/cpu' },
    { atMs: 10, line: '0123456789ab: Pulling fs layer' },
    { atMs: 400, line: '0123456789ab: Download complete' },
    { atMs: 900, line: 'ba9876543210: Download complete' },
    { atMs: 950, line: '0123456789ab: Pull complete' },
    { atMs: 2000, line: 'ba9876543210: Pull complete' },
  ];
  assert.deepEqual(pullPhases(lines, 2100), { transferMs: 900, unpackMs: 1200 });
  // Nothing downloaded (every layer already there): no transfer.
  assert.deepEqual(pullPhases([{ atMs: 3, line: 'aaaaaaaaaaaa: Already exists' }], 50), {
    transferMs: 0,
    unpackMs: 50,
  });
  // A line timed after the pull's end (chunk timing) never makes unpack negative.
  assert.deepEqual(pullPhases([{ atMs: 120, line: 'aaaaaaaaaaaa: Download complete' }], 100), {
    transferMs: 100,
    unpackMs: 0,
  });
});

test('the table: one row per run, layers pulled of all, the four parts and the total; FAILED on a problem', () => {
  const row: ColdRow = {
    image: 'jupyterlab-cpu',
    case: 'parent present',
    compression: 'zstd',
    onNode: ['toolbelt'],
    layers: 20,
    pulledLayers: 8,
    imageBytes: 1_200_000_000,
    pulledBytes: 808_000_000,
    pullMs: 30_000,
    transferMs: 12_000,
    unpackMs: 18_000,
    startMs: 400,
    readyMs: 1_100,
    totalMs: 31_500,
    path: '/notebook/kfc-node/jupyterlab-cpu-abcdef/api/status',
    problems: [],
  };
  const t = formatColdTable([row, { ...row, case: 'nothing present', onNode: [], problems: ['smoke: x'] }]).split('\n');
  assert.equal(t.length, 4);
  assert.match(t[0]!, /^\| image \| case \| compression \| layers \(pulled \/ all\) \| pulled \|/);
  assert.equal(
    t[2],
    '| jupyterlab-cpu | parent present (toolbelt) | zstd | 8 / 20 | 808.0 MB | 12.0 s | 18.0 s | 0.4 s | 1.1 s | ' +
      '31.5 s |',
  );
  assert.match(t[3]!, /^\| jupyterlab-cpu \| nothing present \| .* \| FAILED \|$/);
});

test('--compression: gzip, zstd or both, each once; anything else is one line naming the choices', () => {
  assert.deepEqual(parseCompressions('zstd'), ['zstd']);
  assert.deepEqual(parseCompressions('gzip,zstd'), ['gzip', 'zstd']);
  assert.deepEqual(parseCompressions(' zstd , gzip'), ['zstd', 'gzip']);
  for (const bad of ['lz4', 'gzip,gzip', '', 'zstd,']) {
    assert.throws(
      () => parseCompressions(bad),
      (e: KfcError) => /^--compression ".*": (unknown|repeated or empty)$/.test(e.message) && /gzip,zstd/.test(e.hint!),
      bad,
    );
  }
});

test('engines that pull zstd: Docker 23 and later', () => {
  assert.equal(pullsZstd('20.10.24+dfsg1'), false);
  assert.equal(pullsZstd('23.0.0'), true);
  assert.equal(pullsZstd('26.1.5+dfsg1'), true);
  assert.equal(pullsZstd(''), false);
});
