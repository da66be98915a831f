// kfc build's and kfc bake's per-image Debian archive state: KFC_APT_ARCHIVES and the org.kfc.apt.*
// labels in the bake targets of the images whose Dockerfile declares the arg (a fake archive reader).

import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { renderBake, targetName } from '../../src/bake/bake.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { type AptArchive, archiveLabels, archivesArg } from '../../src/engine/apt-archives.ts';
import { type ArchiveReader, aptTargets } from '../../src/engine/apt-targets.ts';

const family = loadCatalog(resolve(import.meta.dirname, '../..'));
const mini = loadCatalog(resolve(import.meta.dirname, '../fixtures/mini'));

const archives: AptArchive[] = ['trixie', 'trixie-updates', 'trixie-security'].map((suite, i) => ({
  suite,
  url: `http://deb.example/debian/dists/${suite}/InRelease`,
  date: '2026-12-05T03:33:30Z',
  sha256: String(i).repeat(64),
}));

function reader(compared = true) {
  const calls: { key: string; refresh?: boolean; mirror?: string }[] = [];
  const read: ArchiveReader = async (_root, key, _base, opts) => {
    calls.push({ key, refresh: opts.refresh, mirror: opts.args.DEBIAN_MIRROR });
    return { archives, moved: [], fetched: Boolean(opts.refresh), compared };
  };
  return { read, calls };
}

test('every image of the chain gets the arg and the labels; the state is read once per base', async () => {
  const { read, calls } = reader();
  const lines: string[] = [];
  const nodes = [family.nodes.get('jupyterlab-cpu')!];
  const apt = await aptTargets(family, nodes, {
    refresh: true,
    buildArgs: { DEBIAN_MIRROR: 'http://m.example/debian' },
    verb: 'kfc build',
    log: (s) => lines.push(s),
    read,
  });
  const chain = nodes[0]!.chain.map((n) => n.name);
  assert.deepEqual([...apt.keys()], chain);
  assert.deepEqual(calls, [{ key: nodes[0]!.baseKey, refresh: true, mirror: 'http://m.example/debian' }]);
  for (const name of chain) {
    assert.deepEqual(apt.get(name), {
      args: { KFC_APT_ARCHIVES: archivesArg(archives) },
      labels: archiveLabels(archives),
    });
  }
  assert.match(lines.join('\n'), /kfc build: Debian archives unchanged \(trixie 2026-12-05T03:33:30Z, /);
  // A fresh clone has no state to compare with: it does not call the archives unchanged.
  const fresh: string[] = [];
  const opts = { refresh: true, buildArgs: {}, verb: 'kfc build', log: (x: string) => fresh.push(x) };
  await aptTargets(family, nodes, { ...opts, read: reader(false).read });
  assert.match(
    fresh.join('\n'),
    /^kfc build: Debian archives read now \(trixie .*\); none recorded in this clone before/m,
  );
  assert.doesNotMatch(fresh.join('\n'), /unchanged/);
  const { file } = renderBake(family, { images: ['jupyterlab-cpu'], perImage: apt });
  const t = file.target[targetName('jupyterlab-cpu')]!;
  assert.equal(
    t.args.KFC_APT_ARCHIVES,
    `trixie@${'0'.repeat(64)},trixie-updates@${'1'.repeat(64)},` + `trixie-security@${'2'.repeat(64)}`,
  );
  assert.equal(t.labels['org.kfc.apt.trixie-security.inrelease-sha256'], '2'.repeat(64));
  assert.equal(t.labels['org.kfc.apt.trixie.date'], '2026-12-05T03:33:30Z');
  assert.equal(t.labels['org.opencontainers.image.title'], 'jupyterlab-cpu', "kfc's own labels stay");
  // A --build-arg of the same name wins, as with kfc build --build-arg.
  const over = renderBake(family, { images: ['jupyterlab-cpu'], perImage: apt, buildArgs: { KFC_APT_ARCHIVES: 'x' } });
  assert.equal(over.file.target[targetName('jupyterlab-cpu')]!.args.KFC_APT_ARCHIVES, 'x');
});

test('a catalog whose Dockerfiles do not declare KFC_APT_ARCHIVES reads nothing and adds nothing', async () => {
  const { read, calls } = reader();
  const apt = await aptTargets(mini, mini.order, { verb: 'kfc bake', log: () => {}, read });
  assert.equal(apt.size, 0);
  assert.equal(calls.length, 0);
  const { file } = renderBake(mini, { perImage: apt });
  for (const t of Object.values(file.target)) {
    assert.equal(t.args.KFC_APT_ARCHIVES, undefined);
    assert.ok(!Object.keys(t.labels).some((k) => k.startsWith('org.kfc.apt.')));
  }
});
