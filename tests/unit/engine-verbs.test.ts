/**
 * The engine verbs behind the CLI's thin commands (kfc base, tag, push, pull, doctor, fetch),
 * against the stand-in docker CLI: what they ask docker and what they return.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { basesOf, ensureBases } from '../../src/engine/base.ts';
import { formatCheck } from '../../src/engine/doctor.ts';
import { fetchAll } from '../../src/engine/fetch.ts';
import { gitInfo } from '../../src/engine/git.ts';
import { pullImage, pushImage } from '../../src/engine/push-pull.ts';
import { tagImage } from '../../src/engine/tag.ts';
import { computeTags } from '../../src/tags/tags.ts';
import { useFakeDocker, withFakeEnv } from './fake-docker.ts';
import { MINI_FIXTURE } from './helpers.ts';

const fake = useFakeDocker();
beforeEach(fake.clear);
const catalog = loadCatalog(MINI_FIXTURE, { readFiles: false });
const child = catalog.nodes.get('mini-child')!;

describe('basesOf and ensureBases', () => {
  test('each root base once, only those the images use', () => {
    assert.deepEqual(
      basesOf(catalog, catalog.order).map((b) => b.image),
      ['debian:trixie-20250520-slim'],
    );
    assert.deepEqual(basesOf(catalog, []), []);
  });

  test('a base present in the engine is left alone', async () => {
    const r = await ensureBases(catalog);
    assert.deepEqual(r, [{ image: 'debian:trixie-20250520-slim', created: false, seconds: 0 }]);
    assert.ok(!fake.calls().some((c) => c.startsWith('import')));
  });
});

describe('tagImage', () => {
  test('tags REPO/IMAGE:TAG with the computed tags, keeping the build tag', async () => {
    const git = await gitInfo(catalog.root);
    const r = await tagImage(catalog, child, { repo: 'kfc', tag: 'build7', release: false, content: false });
    assert.equal(r.source, 'kfc/mini-child:build7');
    assert.equal(r.target, 'kfc/mini-child');
    const tags = computeTags({ sha: git.sha, branch: git.branch, release: false, extra: ['build7'] });
    assert.deepEqual(
      r.refs,
      tags.map((t) => `kfc/mini-child:${t}`),
    );
    assert.ok(r.refs.includes('kfc/mini-child:build7'));
    assert.deepEqual(
      fake.calls().filter((c) => c.startsWith('tag ')),
      r.refs.map((ref) => `tag kfc/mini-child:build7 ${ref}`),
    );
  });

  test('--source tags another image under the catalog name; --release adds latest and v1', async () => {
    const r = await tagImage(catalog, child, { repo: 'kfc', source: 'other/img:x', release: true, content: false });
    assert.equal(r.source, 'other/img:x');
    assert.ok(r.refs.includes('kfc/mini-child:latest') && r.refs.includes('kfc/mini-child:v1'), r.refs.join(' '));
    assert.ok(fake.calls().every((c) => !c.startsWith('tag ') || c.startsWith('tag other/img:x kfc/mini-child:')));
  });
});

describe('pushImage and pullImage', () => {
  test('push: every local tag of REPO/IMAGE in one docker push --all-tags', async () => {
    const r = await withFakeEnv('FAKE_DOCKER_TAGS', 'kfc/mini-child:a kfc/mini-child:b', () =>
      pushImage(catalog, child, { repo: 'kfc', retries: 0 }),
    );
    assert.equal(r.target, 'kfc/mini-child');
    assert.deepEqual(r.tags, ['kfc/mini-child:a', 'kfc/mini-child:b']);
    assert.ok(r.seconds >= 0);
    assert.ok(fake.calls().includes('push --all-tags kfc/mini-child'));
  });

  test('push with no local tag: a one-line error before any push', async () => {
    await assert.rejects(pushImage(catalog, child, { repo: 'kfc', retries: 0 }), /no local tags of kfc\/mini-child/);
    assert.ok(!fake.calls().some((c) => c.startsWith('push')));
  });

  test('pull: REPO/IMAGE:TAG, returning its image ID', async () => {
    const r = await pullImage(catalog, child, { repo: 'reg.example/kfc', tag: 'v1', retries: 0 });
    assert.deepEqual([r.ref, r.id], ['reg.example/kfc/mini-child:v1', 'sha256:fake']);
    assert.ok(fake.calls().includes('pull reg.example/kfc/mini-child:v1'));
  });
});

describe('formatCheck and fetchAll', () => {
  test('a doctor line: status, padded name, detail, the fix only when failing', () => {
    assert.equal(formatCheck({ name: 'disk', ok: true, detail: '40 GB free' }), 'ok   disk            40 GB free');
    assert.equal(
      formatCheck({ name: 'mmdebstrap', ok: false, detail: 'not installed', fix: 'apt-get install mmdebstrap' }),
      'FAIL mmdebstrap      not installed  → fix: apt-get install mmdebstrap',
    );
  });

  test('images that declare no artifact and no lock: nothing fetched, nothing said', async () => {
    const lines: string[] = [];
    const r = await fetchAll(catalog, catalog.order, { line: (s) => lines.push(s) });
    assert.deepEqual([r.results, r.errors, r.wheels, r.requiredFailed], [[], [], [], false]);
    assert.equal(lines.length, 0);
  });
});
