/**
 * The wheelhouse's pure parts: wheel file names, which pins a cache covers (by sha256 only), the
 * pins an image installs (ancestors' locks included, each package once), pip's platform tags, and
 * the buildability rule "the Python index, or a complete wheelhouse".
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Catalog, ImageNode } from '../../src/catalog/model.ts';
import { parsePins } from '../../src/catalog/python-lock-format.ts';
import { buildability } from '../../src/catalog/sources.ts';
import { imagePins, platformTags, wheelhouseState, wheelId } from '../../src/python/wheelhouse.ts';

const H = (c: string) => c.repeat(64);

describe('python wheelhouse', () => {
  it('reads name and version from wheel file names (PEP 427), with build tags and dotted names', () => {
    assert.deepEqual(wheelId('six-1.17.0-py2.py3-none-any.whl'), { name: 'six', version: '1.17.0' });
    assert.deepEqual(wheelId('zope.interface-7.2-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'), {
      name: 'zope-interface',
      version: '7.2',
    });
    assert.deepEqual(wheelId('Foo_Bar-1.0-1build-py3-none-any.whl'), { name: 'foo-bar', version: '1.0' });
    assert.equal(wheelId('six-1.17.0.tar.gz'), undefined);
  });

  it('covers a pin only with a wheel whose sha256 the lock lists for that package', () => {
    const pins = parsePins(
      `six==1.17.0 \\\n    --hash=sha256:${H('1')} \\\n    --hash=sha256:${H('2')}\n` +
        `idna==3.10 \\\n    --hash=sha256:${H('3')}\n`,
    );
    const cache = new Map([
      [H('2'), { path: '/c/six-1.17.0-py2.py3-none-any.whl', bytes: 10 }],
      // idna's hash, but under another package's name: does not count.
      [H('3'), { path: '/c/evil-3.10-py3-none-any.whl', bytes: 5 }],
    ]);
    const s = wheelhouseState(pins, cache);
    assert.equal(s.complete, false);
    assert.deepEqual([...s.wheels.keys()], ['six']);
    assert.deepEqual(
      s.missing.map((p) => p.name),
      ['idna'],
    );
    cache.set(H('3'), { path: '/c/idna-3.10-py3-none-any.whl', bytes: 5 });
    assert.equal(wheelhouseState(pins, cache).complete, true);
    assert.equal(wheelhouseState([], cache).complete, false, 'no pins: no wheelhouse');
  });

  it("an image installs its ancestors' pins and its own, each package once (the ancestor's line wins)", () => {
    const lock = (text: string) => ({ owner: '', in: Buffer.from(''), lock: Buffer.from(text) });
    const node = (name: string, python?: string, parent?: ImageNode) => {
      const n = { name, spec: { python }, parent, chain: [] as ImageNode[] } as unknown as ImageNode;
      n.chain = [...(parent?.chain ?? []), n];
      return n;
    };
    const root = node('root', 'root');
    const mid = node('mid', undefined, root);
    const leaf = node('leaf', 'leaf', mid);
    const catalog = {
      python: new Map([
        ['root', lock(`six==1.17.0 \\\n    --hash=sha256:${H('1')}\nuv==0.13.9 \\\n    --hash=sha256:${H('2')}\n`)],
        ['leaf', lock(`six==1.17.0 \\\n    --hash=sha256:${H('1')}\nidna==3.10 \\\n    --hash=sha256:${H('3')}\n`)],
      ]),
    } as unknown as Catalog;
    assert.deepEqual(
      imagePins(catalog, leaf).map((p) => `${p.name}==${p.version}`),
      ['six==1.17.0', 'uv==0.13.9', 'idna==3.10'],
    );
    assert.deepEqual(
      imagePins(catalog, mid).map((p) => p.name),
      ['six', 'uv'],
    );
  });

  it('asks pip for every manylinux tag trixie (glibc 2.41) runs, newest first', () => {
    const tags = platformTags();
    assert.equal(tags[0], 'manylinux_2_41_x86_64');
    assert.ok(
      tags.includes('manylinux_2_17_x86_64') &&
        tags.includes('manylinux2014_x86_64') &&
        tags.includes('manylinux1_x86_64'),
    );
    assert.ok(!tags.some((t) => t.includes('musllinux') || t.includes('aarch64')));
  });

  it('requires pypi: met by an index that answers or by a complete wheelhouse; refused precisely otherwise', () => {
    const n = { name: 'jl', requires: ['pypi'] } as unknown as ImageNode;
    const c = {} as Catalog;
    const down = { url: 'https://***@mirror.example/simple', reachable: false };
    assert.equal(buildability(c, n, { pypi: { url: 'https://pypi.org/simple', reachable: true } }).ok, true);
    assert.equal(
      buildability(c, n, { pypi: down, wheelhouses: new Map([['jl', { have: 3, need: 3, complete: true }]]) }).ok,
      true,
    );
    const b = buildability(c, n, { pypi: down, wheelhouses: new Map([['jl', { have: 1, need: 3, complete: false }]]) });
    assert.equal(b.ok, false);
    assert.equal(
      b.missing[0],
      'the Python index https://***@mirror.example/simple does not answer from this host ' +
        'and its wheelhouse in the artifact cache has 1 of 3 wheels (set KFC_PYTHON_INDEX_URL to a reachable index, ' +
        'or run kfc fetch jl where one is reachable and copy the artifact cache here: KFC_ARTIFACT_CACHE)',
    );
  });
});
