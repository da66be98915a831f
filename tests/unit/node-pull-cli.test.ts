/** kfc node-pull's usage errors and images.yaml's test.nodePull, through the real CLI (no engine needed). */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { copyFixture, runKfc } from './helpers.ts';

const root = copyFixture();
after(() => rmSync(root, { recursive: true, force: true }));

test('kfc node-pull needs images or --all, not both (exit 2, one line)', async () => {
  const none = await runKfc(root, ['node-pull']);
  assert.equal(none.code, 2);
  assert.equal(
    none.stderr.trim(),
    'kfc: error: name the images to pull, or --all (fix: kfc node-pull jupyterlab-cpu --tag ci)',
  );
  const both = await runKfc(root, ['node-pull', '--all', 'mini-child']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /^kfc: error: give images or --all, not both/);
  const unknown = await runKfc(root, ['node-pull', 'no-such-image']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown image "no-such-image"/);
});

test('kfc node-pull --test is gone: one line says where the suites run now (exit 2)', async () => {
  const r = await runKfc(root, ['node-pull', 'mini-child', '--test']);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr.trim(),
    'kfc: error: --test is gone: node-pull no longer runs the suites' +
      ' (fix: kfc test IMAGE runs them (kept by content); kfc node-pull IMAGES --smoke checks the node)',
  );
});

test('kfc node-pull --help: the smoke (on by default), --no-smoke, --no-result-cache; no --test', async () => {
  const r = await runKfc(root, ['node-pull', '--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const flag of ['--smoke', '--no-smoke', '--no-result-cache', '--json']) assert.match(r.stdout, new RegExp(flag));
  assert.doesNotMatch(r.stdout, /--test/);
});

test('images.yaml: test.nodePull is a boolean, on by default', async () => {
  const list = await runKfc(root, ['list', '--json']);
  assert.equal(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as { name: string; test: { nodePull: boolean } }[];
  assert.deepEqual(
    rows.map((r) => r.test.nodePull),
    rows.map(() => true),
  );
  const file = join(root, 'images.yaml');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace(
      '    bits: [mini-grand]',
      '    bits: [mini-grand]\n    test: { nodePull: sometimes }',
    ),
  );
  const bad = await runKfc(root, ['check']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /mini-grand.*test.*nodePull|nodePull.*boolean/);
});

test('kfc node-pull --cold: images named, not --all; an unknown option is one line (exit 2)', async () => {
  const all = await runKfc(root, ['node-pull', '--cold', '--all']);
  assert.equal(all.code, 2);
  assert.equal(
    all.stderr.trim(),
    'kfc: error: --cold times the images named (fix: kfc node-pull --cold jupyterlab-cpu)',
  );
  const none = await runKfc(root, ['node-pull', '--cold']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^kfc: error: name the images to pull, or --all/);
  const bad = await runKfc(root, ['node-pull', '--cold', 'mini-child', '--colder']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /^kfc: error: .*--colder/);
  const help = await runKfc(root, ['node-pull', '--help']);
  assert.match(help.stdout, /--cold/);
});

test('kfc node-pull --compression: an unknown value, or without --cold, is one line (exit 2)', async () => {
  const lz4 = await runKfc(root, ['node-pull', '--cold', 'mini-child', '--compression', 'lz4']);
  assert.equal(lz4.code, 2);
  assert.equal(
    lz4.stderr.trim(),
    'kfc: error: --compression "lz4": unknown (fix: gzip, zstd, or gzip,zstd (both, one after the other))',
  );
  const plain = await runKfc(root, ['node-pull', 'mini-child', '--compression', 'zstd']);
  assert.equal(plain.code, 2);
  assert.equal(plain.stderr.trim().split('\n').length, 1, plain.stderr);
  assert.match(plain.stderr, /^kfc: error: --compression is for the cold-node benchmark \(fix: kfc node-pull --cold/);
});
