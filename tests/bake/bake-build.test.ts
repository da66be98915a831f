// `kfc bake --build` on the real family, right after scripts/test.mjs built the images with kfc build
// (KFC_BAKE_WARM_TAG, `ci` in CI): docker buildx bake on the local engine must build every image and
// its ancestors at a tag of its own, with kfc's labels and parent chain, every step answered from
// the cache kfc build left and the very same layers. Never skipped: a missing engine or buildx fails.
// Run by hand: build first (kfc build jupyterlab-cpu --tag ci), then
//   KFC_BAKE_IMAGES=jupyterlab-cpu node --import tsx --test tests/bake/bake-build.test.ts

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import type { BakeBuildResult } from '../../src/bake/bake-build.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { imageRef } from '../../src/tags/tags.ts';

const root = new URL('../..', import.meta.url).pathname;
const DOCKER = '/usr/bin/docker';
const catalog = loadCatalog(root, { readFiles: false });
const images = (process.env.KFC_BAKE_IMAGES || 'jupyterlab-cpu').split(/\s+/).filter(Boolean);
const warmTag = process.env.KFC_BAKE_WARM_TAG || 'ci';
const repo = process.env.KFC_TEST_REPO || catalog.spec.registry.repo;
const tag = `bake-${randomBytes(3).toString('hex')}`;
const caBundle = process.env.KFC_CA_BUNDLE ?? '/etc/ssl/certs/ca-certificates.crt';
// Every image asked for and its ancestors, in build order: what bake must have built.
const expected = catalog.order.filter((n) =>
  images.some((i) => catalog.nodes.get(i)?.chain.some((c) => c.name === n.name)),
);

async function inspect(ref: string): Promise<{ layers: string[]; labels: Record<string, string> }> {
  const r = await execa(
    DOCKER,
    ['image', 'inspect', '--format', '{{json .RootFS.Layers}}|{{json .Config.Labels}}', ref],
    {
      reject: false,
    },
  );
  assert.equal(r.exitCode, 0, `${ref} is not in the engine: ${r.stderr}`);
  const [layers, labels] = r.stdout.split('|');
  return { layers: JSON.parse(layers!) as string[], labels: JSON.parse(labels!) as Record<string, string> };
}

describe(`kfc bake --build ${images.join(' ')} after kfc build (warm tag ${warmTag})`, () => {
  let result: BakeBuildResult;

  before(async () => {
    for (const i of images) assert.ok(catalog.nodes.has(i), `KFC_BAKE_IMAGES: ${i} is not in images.yaml`);
    const args = ['bin/kfc.js', 'bake', '--build', ...images, '--tag', tag, '--progress', 'quiet', '--json'];
    if (existsSync(caBundle)) args.push('--ca-bundle', caBundle);
    if (process.env.KFC_TEST_REPO) args.push('--repo', process.env.KFC_TEST_REPO);
    const r = await execa(process.execPath, args, { cwd: root, reject: false });
    assert.equal(r.exitCode, 0, `kfc bake --build failed:\n${r.stderr}`);
    result = JSON.parse(r.stdout) as BakeBuildResult;
    process.stdout.write(
      `# kfc bake --build: ${result.cached}/${result.steps} steps cached, bake ${result.seconds.toFixed(1)} s\n`,
    );
  });

  after(async () => {
    // Only what this test tagged: never the warm images.
    const refs = expected.map((n) => imageRef(repo, n.name, tag));
    await execa(DOCKER, ['rmi', ...refs], { reject: false });
  });

  test('builds every image asked for and its ancestors (internal stages tagged too)', () => {
    assert.deepEqual(
      result.images.map((i) => i.ref),
      expected.map((n) => imageRef(repo, n.name, tag)),
    );
    assert.ok(existsSync(result.bakeFile) && existsSync(result.logFile), 'the bake file and log are kept');
    assert.ok(result.bakeFile.startsWith(join(root, '.kfc')), result.bakeFile);
  });

  test("kfc's labels, and each image's layers start with its parent's", async () => {
    for (const node of expected) {
      const { layers, labels } = await inspect(imageRef(repo, node.name, tag));
      assert.equal(labels['org.opencontainers.image.title'], node.name);
      assert.equal(labels['org.opencontainers.image.version'], tag);
      assert.equal(labels['org.kfc.parent'], node.parent?.name ?? '', node.name);
      if (!node.parent) continue;
      const parent = await inspect(imageRef(repo, node.parent.name, tag));
      assert.ok(parent.layers.length < layers.length, `${node.name} adds layers to ${node.parent.name}`);
      assert.deepEqual(layers.slice(0, parent.layers.length), parent.layers, `${node.name} starts with its parent`);
    }
  });

  test('every step comes from the cache kfc build left, and gives the same layers', async () => {
    assert.ok(result.steps > 0, 'buildx showed no step: the progress parser lost track');
    assert.equal(result.cached, result.steps, `steps not cached: see ${result.logFile}`);
    for (const name of images) {
      const warm = await inspect(imageRef(repo, name, warmTag));
      const baked = await inspect(imageRef(repo, name, tag));
      assert.deepEqual(baked.layers, warm.layers, `${name}: bake and kfc build made different layers`);
    }
  });
});
