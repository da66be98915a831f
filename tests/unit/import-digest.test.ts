/** The one digest of "the kfc source files an entry point imports" (src/cache/import-digest.ts) and its users. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { importDigest, importTree, ownCodeDigest } from '../../src/cache/import-digest.ts';
import { nodePullSourceDigest } from '../../src/nodepull/node-pull-key.ts';
import { measuringCodeDigest } from '../../src/report/code-digest.ts';
import { cleanup, tempDir, writeFiles } from './helpers.ts';

const root = tempDir('kfc-import-digest-');
after(() => cleanup(root));
const put = (path: string, text: string) => writeFiles(root, { [path]: text });
put('src/entry.ts', "import { b } from './lib/b.ts';\nimport 'node:fs';\nexport const a = b;\n");
put('src/lib/b.ts', "export const b = await import('./c.ts');\n");
put('src/lib/c.ts', 'export const c = 1;\n');
put('src/unrelated.ts', 'export const u = 1;\n');
put('package-lock.json', '{}\n');

const digest = async (extra: string[] = []) => {
  const d = await importDigest('src/entry.ts', root, extra);
  assert.ok('digest' in d, JSON.stringify(d));
  return d;
};

describe('importDigest', () => {
  test('covers the entry and its static and dynamic imports, not packages or other files', async () => {
    const d = await digest();
    assert.equal(d.files, 3);
    const before = d.digest;
    put('src/unrelated.ts', 'export const u = 2;\n');
    assert.equal((await digest()).digest, before, 'a file nobody imports leaves it');
    for (const f of ['src/entry.ts', 'src/lib/b.ts', 'src/lib/c.ts']) {
      const was = (await digest()).digest;
      put(f, `${readFileSync(join(root, f), 'utf8')}// changed\n`);
      assert.notEqual((await digest()).digest, was, `changing ${f} changes the digest`);
    }
  });

  test('extra files (package-lock.json) count too', async () => {
    const was = (await digest(['package-lock.json'])).digest;
    assert.notEqual((await digest()).digest, was);
    put('package-lock.json', '{"lockfileVersion":3}\n');
    assert.notEqual((await digest(['package-lock.json'])).digest, was);
  });

  test('a tree that cannot be read says where; ownCodeDigest refuses it', async () => {
    put('src/broken.ts', 'export const x = ;\n');
    const d = await importDigest('src/broken.ts', root);
    assert.ok('error' in d);
    assert.match(d.error, /^src\/broken\.ts:1: /);
    await assert.rejects(ownCodeDigest('src/broken.ts', root), /the imports of src\/broken\.ts cannot be read/);
  });
});

test('kfc report and kfc node-pull key their results by their own code, each its own tree', async () => {
  const [report, node] = await Promise.all([measuringCodeDigest(), nodePullSourceDigest()]);
  assert.match(report, /^[0-9a-f]{64}$/);
  assert.match(node, /^[0-9a-f]{64}$/);
  assert.notEqual(report, node);
});

test("the build path is in neither tree: how an image was built is its image ID's business", async () => {
  // kfc report's start times once reached kfc build through kfc dev's module: every change to the build
  // path threw away every image's measured report.
  const repoRoot = new URL('../..', import.meta.url).pathname;
  for (const entry of ['src/report/run.ts', 'src/nodepull/node-pull.ts']) {
    const tree = await importTree(entry, repoRoot);
    assert.ok(tree.includes(entry), entry);
    assert.deepEqual(
      tree.filter((f) => /^src\/(engine\/(build|bake-plan|dev)|bake\/)/.test(f)),
      [],
      entry,
    );
  }
});
