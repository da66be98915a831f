import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { KfcError } from '../../src/errors.ts';
import { type BakeOptions, bakeJson, renderBake, targetName } from '../../src/publish/bake.ts';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/publish');
const GOLDEN = resolve(FIXTURE, 'golden/docker-bake.json');
const catalog = loadCatalog(FIXTURE, { readFiles: false });

const GOLDEN_OPTS: BakeOptions = {
  sha: '0123456789abcdef0123456789abcdef01234567',
  branch: 'feature/faster-builds',
  release: true,
  source: 'https://github.com/example/kubeflow-containers',
  baseRefs: { trixie: 'ghcr.io/example/kfc/debian:trixie' },
};

describe('kfc bake', () => {
  test('output matches the golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    const text = bakeJson(renderBake(catalog, GOLDEN_OPTS).file);
    // Only an explicit UPDATE_GOLDEN=1 writes it: a missing golden file is a failure, not a pass.
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    assert.ok(existsSync(GOLDEN), `${GOLDEN} is missing (UPDATE_GOLDEN=1 writes it; review it before committing)`);
    assert.equal(text, readFileSync(GOLDEN, 'utf8'));
  });

  test('is deterministic', () => {
    assert.equal(bakeJson(renderBake(catalog, GOLDEN_OPTS).file), bakeJson(renderBake(catalog, GOLDEN_OPTS).file));
  });

  test('group default holds the published images in build order; internal stages are cache-only', () => {
    const { file } = renderBake(catalog, GOLDEN_OPTS);
    assert.deepEqual(file.group.default!.targets, ['jupyterlab-cpu', 'jupyterlab-pytorch', 'codeserver', 'rstudio']);
    assert.deepEqual(file.group.internal!.targets, ['foundation']);
    assert.deepEqual(file.target.foundation!.tags, []);
    assert.deepEqual(file.target.foundation!.output, ['type=cacheonly']);
  });

  test('a target builds output/<image> with the catalog args, git + release tags and OCI labels', () => {
    const t = renderBake(catalog, GOLDEN_OPTS).file.target['jupyterlab-pytorch']!;
    assert.equal(t.context, 'output/jupyterlab-pytorch');
    assert.equal(t.dockerfile, 'Dockerfile');
    assert.deepEqual(t.args, { LAB_CHANNEL: 'stable' }, 'inherited from jupyterlab-cpu');
    assert.deepEqual(t.tags, [
      'ghcr.io/example/kfc/jupyterlab-pytorch:0123456789abcdef0123456789abcdef01234567',
      'ghcr.io/example/kfc/jupyterlab-pytorch:01234567',
      'ghcr.io/example/kfc/jupyterlab-pytorch:feature-faster-builds',
      'ghcr.io/example/kfc/jupyterlab-pytorch:latest',
      'ghcr.io/example/kfc/jupyterlab-pytorch:v1',
    ]);
    assert.equal(t.labels['org.opencontainers.image.revision'], GOLDEN_OPTS.sha);
    assert.equal(t.labels['org.kfc.parent'], 'jupyterlab-cpu');
  });

  test("cache: own registry cache first, then every ancestor's; export mode=max", () => {
    const t = renderBake(catalog, GOLDEN_OPTS).file.target['jupyterlab-pytorch']!;
    assert.deepEqual(t['cache-from'], [
      'type=registry,ref=ghcr.io/example/kfc/jupyterlab-pytorch:buildcache',
      'type=registry,ref=ghcr.io/example/kfc/jupyterlab-cpu:buildcache',
      'type=registry,ref=ghcr.io/example/kfc/foundation:buildcache',
    ]);
    assert.deepEqual(t['cache-to'], ['type=registry,ref=ghcr.io/example/kfc/jupyterlab-pytorch:buildcache,mode=max']);
  });

  test('contexts map the local root base to a pushed copy; no parent links (flat Dockerfiles)', () => {
    const { file } = renderBake(catalog, GOLDEN_OPTS);
    for (const t of Object.values(file.target))
      assert.deepEqual(t.contexts, { 'kfc/debian:trixie': 'docker-image://ghcr.io/example/kfc/debian:trixie' });
    const plain = renderBake(catalog, {}).file;
    for (const t of Object.values(plain.target)) assert.equal(t.contexts, undefined);
  });

  test('--dev uses the dev registry and the dev tag', () => {
    const t = renderBake(catalog, { dev: true, sha: GOLDEN_OPTS.sha }).file.target.rstudio!;
    assert.ok(t.tags.includes('ghcr.io/example/kfc-dev/rstudio:dev'));
    assert.ok(t.tags.every((x) => x.startsWith('ghcr.io/example/kfc-dev/rstudio:')));
    assert.ok(t['cache-from'][0]!.includes('kfc-dev/rstudio:buildcache'));
  });

  test('selecting images keeps their ancestors (for the cache) and only them', () => {
    const { file } = renderBake(catalog, { images: ['jupyterlab-pytorch'] });
    assert.deepEqual(Object.keys(file.target), ['foundation', 'jupyterlab-cpu', 'jupyterlab-pytorch']);
  });

  test('no registry: local tags, no cache, and a note', () => {
    const spec = structuredClone(catalog.spec);
    spec.registry = { repo: '', devRepo: '' };
    const r = renderBake({ ...catalog, spec }, {});
    assert.deepEqual(r.file.target.rstudio!.tags, ['rstudio:dev-local']);
    assert.deepEqual(r.file.target.rstudio!['cache-from'], []);
    assert.ok(r.notes.some((n) => /no registry repo/.test(n)));
  });

  test('user errors: unknown image, unknown base key, --dev without a dev registry', () => {
    assert.throws(() => renderBake(catalog, { images: ['nope'] }), KfcError);
    assert.throws(() => renderBake(catalog, { baseRefs: { bookworm: 'x/y:z' } }), /no image is built on "bookworm"/);
    const spec = structuredClone(catalog.spec);
    spec.registry = { repo: 'r.example/x', devRepo: '' };
    assert.throws(() => renderBake({ ...catalog, spec }, { dev: true }), /dev registry/);
  });

  test('target names are valid bake identifiers', () => {
    assert.equal(targetName('jupyterlab-cpu'), 'jupyterlab-cpu');
    assert.equal(targetName('python3.12_base'), 'python3_12_base');
  });
});
