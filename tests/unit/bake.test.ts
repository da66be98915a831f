import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { type BakeOptions, bakeJson, INDEX_SECRET_ENV, renderBake, targetName } from '../../src/bake/bake.ts';
import { BakeProgress } from '../../src/bake/bake-progress.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { KfcError } from '../../src/errors.ts';
import { REPO_ROOT, runKfc } from './helpers.ts';

// Pure logic of the bake file. That buildx accepts it and builds the real family with the cache
// kfc build left is checked by buildx itself (tests/integration/referees.test.ts, tests/bake/).
const FIXTURE = resolve(import.meta.dirname, '../fixtures/publish');
const catalog = loadCatalog(FIXTURE, { readFiles: false });
const family = loadCatalog(resolve(import.meta.dirname, '../..'), { readFiles: false });

const OPTS: BakeOptions = {
  sha: '0123456789abcdef0123456789abcdef01234567',
  branch: 'feature/faster-builds',
  release: true,
  source: 'https://github.com/example/kubeflow-containers',
  baseRefs: { trixie: 'ghcr.io/example/kfc/debian:trixie' },
};

describe('kfc bake', () => {
  test('is deterministic', () => {
    assert.equal(bakeJson(renderBake(catalog, OPTS).file), bakeJson(renderBake(catalog, OPTS).file));
  });

  test('group default holds the published images in build order; internal stages are cache-only', () => {
    const { file } = renderBake(catalog, OPTS);
    assert.deepEqual(file.group.default!.targets, ['jupyterlab-cpu', 'jupyterlab-pytorch', 'codeserver', 'rstudio']);
    assert.deepEqual(file.group.internal!.targets, ['foundation']);
    assert.deepEqual(file.target.foundation!.tags, []);
    assert.deepEqual(file.target.foundation!.output, ['type=cacheonly']);
  });

  test('a target builds output/<image> with the catalog args, git + release tags and OCI labels', () => {
    const t = renderBake(catalog, OPTS).file.target['jupyterlab-pytorch']!;
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
    assert.equal(t.labels['org.opencontainers.image.revision'], OPTS.sha);
    assert.equal(t.labels['org.kfc.parent'], 'jupyterlab-cpu');
  });

  test("cache: own registry cache first, then every ancestor's; export mode=max", () => {
    const t = renderBake(catalog, OPTS).file.target['jupyterlab-pytorch']!;
    assert.deepEqual(t['cache-from'], [
      'type=registry,ref=ghcr.io/example/kfc/jupyterlab-pytorch:buildcache',
      'type=registry,ref=ghcr.io/example/kfc/jupyterlab-cpu:buildcache',
      'type=registry,ref=ghcr.io/example/kfc/foundation:buildcache',
    ]);
    assert.deepEqual(t['cache-to'], ['type=registry,ref=ghcr.io/example/kfc/jupyterlab-pytorch:buildcache,mode=max']);
  });

  test('contexts map the local root base to a pushed copy; no parent links (flat Dockerfiles)', () => {
    const { file } = renderBake(catalog, OPTS);
    for (const t of Object.values(file.target))
      assert.deepEqual(t.contexts, { 'kfc/debian:trixie': 'docker-image://ghcr.io/example/kfc/debian:trixie' });
    const plain = renderBake(catalog, {}).file;
    for (const t of Object.values(plain.target)) assert.equal(t.contexts, undefined);
  });

  test('--dev uses the dev registry and the dev tag', () => {
    const t = renderBake(catalog, { dev: true, sha: OPTS.sha }).file.target.rstudio!;
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

  test('secrets: ca from --ca-bundle; pip-index-url from the environment, only where the image uses the index', () => {
    const { file } = renderBake(family, { caBundle: '/etc/ca.pem' });
    for (const node of family.order) {
      const want = ['id=ca,src=/etc/ca.pem'];
      if (node.requires.includes('pypi')) want.push(`id=pip-index-url,env=${INDEX_SECRET_ENV}`);
      assert.deepEqual(file.target[targetName(node.name)]!.secret, want, node.name);
    }
    assert.ok(file.target['jupyterlab-cpu']!.secret!.some((s) => s.startsWith('id=pip-index-url,')));
    const text = bakeJson(renderBake(catalog, OPTS).file);
    assert.ok(!/pip-index-url/.test(text), 'no fixture image installs from the index');
  });

  test('--build-arg values go over the catalog args, as kfc build (same values, same cache keys)', () => {
    const t = renderBake(catalog, { buildArgs: { LAB_CHANNEL: 'beta', DEBIAN_MIRROR: 'http://m.example/debian' } });
    assert.deepEqual(t.file.target['jupyterlab-pytorch']!.args, {
      DEBIAN_MIRROR: 'http://m.example/debian',
      LAB_CHANNEL: 'beta',
    });
  });

  test('a local build (loadInternal) tags and loads internal stages like published images', () => {
    const { file } = renderBake(catalog, { extraTags: ['t1'], loadInternal: true, registryCache: false });
    assert.deepEqual(file.target.foundation!.tags, ['ghcr.io/example/kfc/foundation:t1']);
    assert.equal(file.target.foundation!.output, undefined);
    assert.deepEqual(file.group.internal!.targets, ['foundation'], 'still grouped as internal');
  });
});

describe('bake progress (buildx --progress plain)', () => {
  const log = [
    '#9 [toolbelt 1/3] FROM docker.io/kfc/debian:trixie',
    '#10 [foundation internal] load build context',
    '#12 [foundation 2/3] COPY common/x /x',
    '#12 CACHED',
    '#14 [jupyterlab-cpu stage-0  2/19] RUN apt-get update',
    '#14 CACHED',
    '#15 [jupyterlab-cpu stage-0 10/19] RUN make',
    '#15 0.513 building',
    '#15 [jupyterlab-cpu stage-0 10/19] RUN make',
    '#15 DONE 3.1s',
    '#16 [jupyterlab-cpu] exporting to image',
    'ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2',
  ];

  test('counts steps per target (not FROM, not internal vertices) and those the cache answered', () => {
    const p = new BakeProgress();
    const started = log.map((l) => p.feed(l).step).filter(Boolean);
    assert.deepEqual(started, [
      '[foundation 2/3] COPY common/x /x',
      '[jupyterlab-cpu stage-0  2/19] RUN apt-get update',
      '[jupyterlab-cpu stage-0 10/19] RUN make',
    ]);
    const s = p.summary();
    assert.deepEqual(s.targets, { foundation: { steps: 1, cached: 1 }, 'jupyterlab-cpu': { steps: 2, cached: 1 } });
    assert.match(s.lastError ?? '', /did not complete successfully: exit code: 2/);
  });
});

describe('kfc bake --build: user errors before any engine work', () => {
  const cases: [string[], RegExp][] = [
    [[], /name the images to build/],
    [['nope'], /unknown image "nope"/],
    [['jupyterlab-cpu', '--base-ref', 'debian-trixie=r.example/debian:trixie'], /does not take --base-ref/],
    [['jupyterlab-cpu', '--release'], /does not take --release/],
    [['jupyterlab-cpu', '--check'], /does not take --stdout\/--check/],
    [['jupyterlab-cpu', '--progress', 'loud'], /--progress loud is not auto, plain or quiet/],
    [['jupyterlab-cpu', '--tag', 'Bad:tag'], /is not a valid image tag/],
  ];
  for (const [args, message] of cases) {
    test(`kfc bake --build ${args.join(' ')}`, async () => {
      const r = await runKfc(REPO_ROOT, ['bake', '--build', ...args]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^kfc: error: /);
    });
  }
});
