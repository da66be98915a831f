import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { LineOrigin } from '../../src/generate/generate.ts';
import { readImageArchive } from '../../src/metrics/archive/image-archive.ts';
import { scanLayerTar } from '../../src/metrics/archive/layer-tar.ts';
import { attributeLayers } from '../../src/metrics/attribution.ts';
import { analyzeLayers } from '../../src/metrics/efficiency.ts';
import { hex, L0, L1, makeTar, once, packTar, sha } from './layer-tars.ts';

test('layer tar: size counts regular files only; links count 0; whiteouts separated', async () => {
  const buf = await makeTar(L0);
  const scan = await scanLayerTar(once(buf), 'x/layer.tar');
  assert.equal(scan.size, 195);
  assert.equal(scan.files, 7);
  assert.equal(scan.regularFiles, 5);
  assert.equal(scan.hardlinks, 1);
  assert.equal(scan.symlinks, 1);
  assert.equal(scan.dirs, 4);
  assert.equal(scan.tarBytes, buf.length);
  assert.equal(scan.diffId, sha(buf));
  const s1 = await scanLayerTar(once(await makeTar(L1)));
  assert.deepEqual(s1.whiteouts, ['b/z']);
  assert.deepEqual(s1.opaques, ['d']);
  assert.equal(s1.size, 127);
  assert.equal(s1.whiteoutMarkers, 2);
  assert.equal(s1.files, 2 + 1); // a/x, d/new, c
});

test('docker 20.10 save archive: manifest.json, <id>/layer.tar, a symlinked repeat layer, config history', async () => {
  const l0 = await makeTar(L0);
  const l1 = await makeTar(L1);
  const empty = await makeTar([]);
  const config = {
    rootfs: { type: 'layers', diff_ids: [sha(l0), sha(empty), sha(l1), sha(empty)] },
    history: [
      { created_by: '', comment: 'Imported from -' },
      { created_by: 'SHELL [/bin/bash -o pipefail -c]', empty_layer: true },
      { created_by: 'RUN /bin/bash -o pipefail -c true # buildkit' },
      { created_by: 'COPY common/x /x # buildkit' },
      { created_by: 'RUN /bin/bash -o pipefail -c true # buildkit' },
      { created_by: 'USER 1000', empty_layer: true },
    ],
  };
  const cfgBuf = Buffer.from(JSON.stringify(config));
  const cfgName = `${'c'.repeat(64)}.json`;
  const manifest = [
    {
      Config: cfgName,
      RepoTags: ['kfc-test/x:dev'],
      Layers: ['aaa/layer.tar', 'bbb/layer.tar', 'ccc/layer.tar', 'ddd/layer.tar'],
    },
  ];
  const archive = await readImageArchive(
    once(
      await packTar([
        { name: 'aaa/', type: 'directory' },
        { name: 'aaa/layer.tar', body: l0 },
        { name: 'bbb/', type: 'directory' },
        { name: 'bbb/layer.tar', body: empty },
        { name: 'ccc/layer.tar', body: l1 },
        { name: 'ddd/layer.tar', type: 'symlink', linkname: '../bbb/layer.tar' },
        { name: cfgName, body: cfgBuf },
        { name: 'manifest.json', body: Buffer.from(JSON.stringify(manifest)) },
        { name: 'repositories', body: Buffer.from('{}') },
      ]),
      4096,
    ),
  );
  assert.deepEqual(archive.notes, []);
  assert.equal(archive.images.length, 1);
  const img = archive.images[0]!;
  assert.equal(img.id, `sha256:${'c'.repeat(64)}`);
  assert.deepEqual(img.repoTags, ['kfc-test/x:dev']);
  assert.deepEqual(
    img.layers.map((l) => l.diffId),
    config.rootfs.diff_ids,
  );
  assert.equal(archive.layers.size, 3);
  assert.deepEqual(
    img.layers.map((l) => l.size),
    [195, 0, 127, 0],
  );

  // Attribution through a generated Dockerfile: base layer, then the bits' instructions.
  const text = [
    '# header',
    'FROM kfc/debian:trixie',
    '',
    '# ---- docker-bits/one.Dockerfile ----',
    'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
    'ARG X=1',
    'RUN true',
    '',
    '# ---- docker-bits/two.Dockerfile ----',
    'COPY common/x /x',
    'RUN true',
    'USER 1000',
  ].join('\n');
  const o = (file: string, line: number, bit?: string): LineOrigin => ({
    file,
    line,
    bit,
    owner: bit ? 'img' : undefined,
  });
  const origins = [
    o('images.yaml', 1),
    o('images.yaml', 1),
    o('docker-bits/one.Dockerfile', 0, 'one'),
    o('docker-bits/one.Dockerfile', 0, 'one'),
    o('docker-bits/one.Dockerfile', 1, 'one'),
    o('docker-bits/one.Dockerfile', 2, 'one'),
    o('docker-bits/one.Dockerfile', 3, 'one'),
    o('docker-bits/two.Dockerfile', 0, 'two'),
    o('docker-bits/two.Dockerfile', 0, 'two'),
    o('docker-bits/two.Dockerfile', 1, 'two'),
    o('docker-bits/two.Dockerfile', 2, 'two'),
    o('docker-bits/two.Dockerfile', 3, 'two'),
  ];
  const attr = attributeLayers(img.config, { text, origins });
  assert.deepEqual(
    attr.map((a) => [a.index, a.base, a.step?.keyword, a.bit, a.bitLine, a.dockerfileLine]),
    [
      [0, true, '', undefined, undefined, undefined],
      [1, false, 'RUN', 'one', 3, 7],
      [2, false, 'COPY', 'two', 1, 10],
      [3, false, 'RUN', 'two', 2, 11],
    ],
  );
  assert.equal(attr[1]!.step!.summary, 'RUN true');
});

test('OCI layout archive (newer engines): index.json → manifest → config + gzip layer blobs', async () => {
  const l0 = await makeTar(L0);
  const gz = gzipSync(l0);
  const config = Buffer.from(
    JSON.stringify({
      rootfs: { type: 'layers', diff_ids: [sha(l0)] },
      history: [{ created_by: 'ADD rootfs.tar / # buildkit' }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      config: { digest: `sha256:${hex(config)}` },
      layers: [{ digest: `sha256:${hex(gz)}` }],
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { digest: `sha256:${hex(manifest)}`, annotations: { 'io.containerd.image.name': 'docker.io/kfc/x:1' } },
      ],
    }),
  );
  const archive = await readImageArchive(
    once(
      await packTar([
        { name: 'oci-layout', body: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
        { name: `blobs/sha256/${hex(gz)}`, body: gz },
        { name: `blobs/sha256/${hex(config)}`, body: config },
        { name: `blobs/sha256/${hex(manifest)}`, body: manifest },
        { name: 'index.json', body: index },
      ]),
      1000,
    ),
  );
  assert.deepEqual(archive.notes, []);
  assert.equal(archive.images.length, 1);
  assert.deepEqual(archive.images[0]!.repoTags, ['docker.io/kfc/x:1']);
  assert.equal(archive.images[0]!.layers[0]!.diffId, sha(l0));
  assert.equal(archive.images[0]!.layers[0]!.size, 195);
});

test('docker 25+ save archive: manifest.json naming OCI blobs (uncompressed layers)', async () => {
  const l0 = await makeTar(L0);
  const l1 = await makeTar(L1);
  const config = Buffer.from(
    JSON.stringify({
      rootfs: { type: 'layers', diff_ids: [sha(l0), sha(l1)] },
      history: [{ created_by: 'ADD x / # buildkit' }, { created_by: 'RUN /bin/sh -c true # buildkit' }],
    }),
  );
  const manifest = [
    {
      Config: `blobs/sha256/${hex(config)}`,
      RepoTags: ['a/b:c'],
      Layers: [`blobs/sha256/${hex(l0)}`, `blobs/sha256/${hex(l1)}`],
    },
  ];
  const archive = await readImageArchive(
    once(
      await packTar([
        { name: `blobs/sha256/${hex(l1)}`, body: l1 },
        { name: `blobs/sha256/${hex(config)}`, body: config },
        { name: `blobs/sha256/${hex(l0)}`, body: l0 },
        { name: 'index.json', body: Buffer.from('{"schemaVersion":2,"manifests":[]}') },
        { name: 'manifest.json', body: Buffer.from(JSON.stringify(manifest)) },
      ]),
      10_000,
    ),
  );
  assert.deepEqual(archive.notes, []);
  const img = archive.images[0]!;
  assert.equal(img.id, `sha256:${hex(config)}`);
  assert.deepEqual(
    img.layers.map((l) => [l.diffId, l.size]),
    [
      [sha(l0), 195],
      [sha(l1), 127],
    ],
  );
  assert.equal(analyzeLayers(img.layers).wastedBytes, 100 + 100 + 30 + 10 + 5);
});
