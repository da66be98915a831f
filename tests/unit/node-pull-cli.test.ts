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
