/** imageSources(): kfc's modules that can change an image, read from the imports, not from a list. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { imageSources } from '../../src/affected/image-sources.ts';

describe('imageSources', () => {
  it('holds what builds, tests and judges images in this repository, and not lint or publishing', () => {
    const s = imageSources();
    for (const f of [
      'src/engine/build.ts',
      'src/generate/generate.ts',
      'src/testing/container.ts',
      'src/metrics/gates.ts',
    ]) {
      assert.ok(s.has(f), `${f} can change an image or its verdict`);
    }
    for (const f of ['src/lint/rules.ts', 'src/kubeflow/kubeflow.ts', 'src/bake/bake.ts', 'src/affected/affected.ts']) {
      assert.ok(!s.has(f), `${f} cannot`);
    }
  });

  const root = mkdtempSync(join(tmpdir(), 'kfc-sources-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  it('follows static, type-only and dynamic imports from the entries and the image suites', () => {
    const put = (path: string, text: string) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    put('src/engine/build.ts', "import { a } from './new-helper.ts';\nimport type { T } from '../catalog/model.ts';\n");
    put('src/engine/new-helper.ts', "export const a = await import('../util/lazy.ts');\n");
    put('src/util/lazy.ts', 'export {};\n');
    put('src/catalog/model.ts', 'export type T = 1;\n');
    put('src/lint/unused.ts', "import { a } from '../engine/new-helper.ts';\n");
    put('tests/images/x/a.test.ts', "import { b } from '../../../src/testing/fixture.ts';\n");
    put('src/testing/fixture.ts', 'export const b = 1;\n');
    assert.deepEqual([...imageSources(root)].sort(), [
      'src/catalog/model.ts',
      'src/engine/build.ts',
      'src/engine/new-helper.ts',
      'src/testing/fixture.ts',
      'src/util/lazy.ts',
    ]);
  });
});
