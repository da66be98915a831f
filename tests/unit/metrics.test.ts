import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { loadCatalog } from '../../src/catalog/load.ts';
import type { LineOrigin } from '../../src/generate/generate.ts';
import { attributeLayers, parseStep } from '../../src/metrics/attribution.ts';
import { familySharing } from '../../src/metrics/family.ts';
import { checkGates, effectiveGates, parseSize } from '../../src/metrics/gates.ts';
import {
  analyzeLayers,
  type LayerContent,
  layerStats,
  readImageArchive,
  scanLayerTar,
} from '../../src/metrics/layers.ts';

type E =
  | { name: string; size: number } // regular file of that many bytes
  | { name: string; dir: true }
  | { name: string; link: string } // hard link
  | { name: string; symlink: string };

/** Builds a tar in memory with tar-stream. */
async function makeTar(entries: E[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  for (const e of entries) {
    await new Promise<void>((res, rej) => {
      const cb = (err?: Error | null) => (err ? rej(err) : res());
      if ('dir' in e) pack.entry({ name: e.name, type: 'directory' }, cb);
      else if ('link' in e) pack.entry({ name: e.name, type: 'link', linkname: e.link }, cb);
      else if ('symlink' in e) pack.entry({ name: e.name, type: 'symlink', linkname: e.symlink }, cb);
      else pack.entry({ name: e.name, type: 'file' }, Buffer.alloc(e.size, 0x61), cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function* once(buf: Buffer, chunk = 700): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk);
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

// Layer 0: files, a dir, a hard link and a symlink.
const L0: E[] = [
  { name: 'a/', dir: true },
  { name: 'a/x', size: 100 },
  { name: 'a/y', size: 50 },
  { name: 'b/', dir: true },
  { name: 'b/z', size: 30 },
  { name: 'hl', link: 'a/x' },
  { name: 'sym', symlink: 'a/y' },
  { name: 'd/', dir: true },
  { name: 'd/e/', dir: true },
  { name: 'd/e/f', size: 10 },
  { name: 'd/g', size: 5 },
];
// Layer 1: a/x rewritten (a chmod copies it), b/z whited out, d made opaque with a new file, c added.
const L1: E[] = [
  { name: 'a/', dir: true },
  { name: 'a/x', size: 100 },
  { name: 'b/', dir: true },
  { name: 'b/.wh.z', size: 0 },
  { name: 'd/', dir: true },
  { name: 'd/.wh..wh..opq', size: 0 },
  { name: 'd/new', size: 7 },
  { name: 'c', size: 20 },
];
// Layer 2: the whole of a/ removed (x and y), c grows.
const L2: E[] = [
  { name: '.wh.a', size: 0 },
  { name: 'c', size: 25 },
];

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

test('dive metrics: duplicated file, whiteout of a file and of a directory, opaque dir, links', async () => {
  const layers = [
    await scanLayerTar(once(await makeTar(L0))),
    await scanLayerTar(once(await makeTar(L1))),
    await scanLayerTar(once(await makeTar(L2))),
  ];
  const m = analyzeLayers(layers);
  // per path (cumulative / min): a/x 100+100+0 / 0, a/y 50+0 / 0, b/z 30+0 / 0, d/e/f 10+0 / 0,
  // d/g 5+0 / 0, d/new 7/7, c 20+25 / 20, hl 0/0, sym 0/0
  assert.equal(m.cumulativeBytes, 347);
  assert.equal(m.minBytes, 27);
  assert.equal(m.efficiency, 27 / 347);
  assert.equal(m.wastedBytes, 200 + 50 + 30 + 10 + 5 + 45);
  assert.equal(m.wastedPaths, 6);
  assert.equal(m.totalBytes, 195 + 127 + 25);
  assert.equal(m.userBytes, 152);
  assert.equal(m.userWastedRatio, 340 / 152);
  assert.deepEqual(
    m.topWasted.map((w) => [w.path, w.cumulativeBytes, w.minBytes, w.layers, w.removed]),
    [
      ['a/x', 200, 0, [0, 1, 2], true],
      ['a/y', 50, 0, [0, 2], true],
      ['c', 45, 20, [1, 2], false],
      ['b/z', 30, 0, [0, 1], true],
      ['d/e/f', 10, 0, [0, 1], true],
      ['d/g', 5, 0, [0, 1], true],
    ],
  );
});

test('dive metrics: a path present once counts size/size; an empty image is efficiency 1', () => {
  const one: LayerContent = {
    entries: [
      { path: 'f', kind: 'file', size: 10 },
      { path: 'g', kind: 'file', size: 5 },
    ],
    whiteouts: [],
    opaques: [],
  };
  const m = analyzeLayers([one]);
  assert.equal(m.efficiency, 1);
  assert.equal(m.wastedBytes, 0);
  assert.equal(m.userWastedRatio, 0);
  assert.equal(analyzeLayers([]).efficiency, 1);
  assert.equal(analyzeLayers([{ entries: [], whiteouts: [], opaques: [] }]).efficiency, 1);
});

test('dive metrics: a large file chmod-ed in a later layer (the wasteful fixture pattern)', () => {
  const base: LayerContent = {
    entries: [{ path: 'etc/os-release', kind: 'file', size: 1000 }],
    whiteouts: [],
    opaques: [],
  };
  const write: LayerContent = {
    entries: [{ path: 'opt/data/blob', kind: 'file', size: 20_000_000 }],
    whiteouts: [],
    opaques: [],
  };
  const chmod: LayerContent = {
    entries: [
      { path: 'opt/data', kind: 'dir', size: 0 },
      { path: 'opt/data/blob', kind: 'file', size: 20_000_000 },
    ],
    whiteouts: [],
    opaques: [],
  };
  const m = analyzeLayers([base, write, chmod]);
  assert.equal(m.efficiency, 20_001_000 / 40_001_000);
  assert.equal(m.wastedBytes, 40_000_000);
  assert.equal(m.userWastedRatio, 1);
  assert.deepEqual(m.topWasted[0]!.layers, [1, 2]);
});

test('dive metrics: re-adding a removed path, replacing a dir by a file, whiteout of nothing', () => {
  const l0: LayerContent = {
    entries: [
      { path: 'p/q', kind: 'file', size: 8 },
      { path: 'f', kind: 'file', size: 4 },
    ],
    whiteouts: [],
    opaques: [],
  };
  const l1: LayerContent = { entries: [], whiteouts: ['f', 'nothing/here'], opaques: [] };
  const l2: LayerContent = {
    entries: [
      { path: 'f', kind: 'file', size: 6 },
      { path: 'p', kind: 'file', size: 1 },
    ],
    whiteouts: [],
    opaques: [],
  };
  const m = analyzeLayers([l0, l1, l2]);
  // f: 4 + 0 + 6 (min 0); p/q: 8 + 0 (replaced by the file p in layer 2; min 0); p: 1/1
  assert.equal(m.cumulativeBytes, 19);
  assert.equal(m.minBytes, 1);
  assert.equal(m.wastedBytes, 18);
  assert.equal(layerStats(l1).whiteoutMarkers, 2);
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
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  const add = (h: { name: string; type?: 'directory' | 'symlink'; linkname?: string }, b?: Buffer) =>
    new Promise<void>((res, rej) =>
      b ? pack.entry(h, b, (e) => (e ? rej(e) : res())) : pack.entry(h, (e) => (e ? rej(e) : res())),
    );
  await add({ name: 'aaa/', type: 'directory' });
  await add({ name: 'aaa/layer.tar' }, l0);
  await add({ name: 'bbb/', type: 'directory' });
  await add({ name: 'bbb/layer.tar' }, empty);
  await add({ name: 'ccc/layer.tar' }, l1);
  await add({ name: 'ddd/layer.tar', type: 'symlink', linkname: '../bbb/layer.tar' });
  await add({ name: cfgName }, cfgBuf);
  await add({ name: 'manifest.json' }, Buffer.from(JSON.stringify(manifest)));
  await add({ name: 'repositories' }, Buffer.from('{}'));
  pack.finalize();
  await done;
  const archive = await readImageArchive(once(Buffer.concat(chunks), 4096));
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
  const blobHex = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const config = Buffer.from(
    JSON.stringify({
      rootfs: { type: 'layers', diff_ids: [sha(l0)] },
      history: [{ created_by: 'ADD rootfs.tar / # buildkit' }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      config: { digest: `sha256:${blobHex(config)}` },
      layers: [{ digest: `sha256:${blobHex(gz)}` }],
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { digest: `sha256:${blobHex(manifest)}`, annotations: { 'io.containerd.image.name': 'docker.io/kfc/x:1' } },
      ],
    }),
  );
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  const add = (name: string, b: Buffer) =>
    new Promise<void>((res, rej) => pack.entry({ name }, b, (e) => (e ? rej(e) : res())));
  await add('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  await add(`blobs/sha256/${blobHex(gz)}`, gz);
  await add(`blobs/sha256/${blobHex(config)}`, config);
  await add(`blobs/sha256/${blobHex(manifest)}`, manifest);
  await add('index.json', index);
  pack.finalize();
  await done;
  const archive = await readImageArchive(once(Buffer.concat(chunks), 1000));
  assert.deepEqual(archive.notes, []);
  assert.equal(archive.images.length, 1);
  assert.deepEqual(archive.images[0]!.repoTags, ['docker.io/kfc/x:1']);
  assert.equal(archive.images[0]!.layers[0]!.diffId, sha(l0));
  assert.equal(archive.images[0]!.layers[0]!.size, 195);
});

test('parseStep: buildkit and classic builder history lines', () => {
  assert.equal(
    parseStep('RUN |2 A=1 B=2 /bin/bash -o pipefail -c apt-get update # buildkit').summary,
    'RUN apt-get update',
  );
  assert.equal(parseStep('/bin/sh -c #(nop)  ENV X=1').keyword, 'ENV');
  assert.equal(parseStep('/bin/sh -c echo hi').summary, 'RUN /bin/sh -c echo hi'.replace('/bin/sh -c ', ''));
  assert.equal(parseStep('', 'Imported from -').summary, 'Imported from -');
});

test('family sharing: parent prefix, root, unique vs sum', () => {
  const L = (d: string, size: number) => ({ diffId: d, size, tarBytes: size + 1024 });
  const s = familySharing([
    { name: 'foundation', root: 'foundation', layers: [L('a', 100), L('b', 50)] },
    { name: 'cpu', parent: 'foundation', root: 'foundation', layers: [L('a', 100), L('b', 50), L('c', 300)] },
    { name: 'torch', parent: 'cpu', root: 'foundation', layers: [L('a', 100), L('b', 50), L('c', 300), L('d', 1000)] },
    { name: 'odd', parent: 'cpu', root: 'foundation', layers: [L('a', 100), L('x', 20)] },
  ]);
  const by = new Map(s.images.map((i) => [i.name, i]));
  assert.deepEqual(by.get('torch')!.parent, {
    with: 'cpu',
    layers: 3,
    ofLayers: 3,
    bytes: 450,
    ofBytes: 450,
    ratio: 1,
    prefix: true,
  });
  assert.deepEqual(by.get('torch')!.root, {
    with: 'foundation',
    layers: 2,
    ofLayers: 2,
    bytes: 150,
    ofBytes: 150,
    ratio: 1,
    prefix: true,
  });
  assert.equal(by.get('torch')!.ownBytes, 1000);
  assert.equal(by.get('odd')!.parent!.bytes, 100);
  assert.equal(by.get('odd')!.parent!.ratio, 100 / 450);
  assert.equal(by.get('odd')!.parent!.prefix, false);
  assert.equal(by.get('foundation')!.parent, undefined);
  assert.equal(s.sumBytes, 150 + 450 + 1450 + 120);
  assert.equal(s.uniqueBytes, 100 + 50 + 300 + 1000 + 20);
  assert.equal(s.uniqueLayers, 5);
  assert.equal(s.sumLayers, 11);
});

test('gates: every threshold from images.yaml (global, then per image), breaches named', () => {
  assert.equal(parseSize('3.5GB'), 3_500_000_000);
  assert.equal(parseSize('20 MB'), 20_000_000);
  assert.equal(parseSize(1234), 1234);
  const catalog = loadCatalog(resolve(import.meta.dirname, '../..'), { readFiles: false });
  const cpu = effectiveGates('jupyterlab-cpu', catalog.spec.gates, catalog.nodes.get('jupyterlab-cpu')!.spec.gates);
  assert.equal(cpu.minEfficiency, 0.99);
  assert.equal(cpu.maxSize, 3_500_000_000);
  assert.equal(cpu.source.maxSize, 'images.yaml images.jupyterlab-cpu.gates');
  assert.equal(cpu.source.maxStartMedianMs, 'images.yaml gates');
  assert.equal(effectiveGates('other', catalog.spec.gates, undefined).maxSize, undefined);
  // Nothing is hard-coded: a catalog without gates gates nothing.
  assert.deepEqual(effectiveGates('jupyterlab-cpu', {}, undefined), { source: {} });
  assert.deepEqual(
    checkGates({ image: 'x', size: 9e12, efficiency: 0, startMedianMs: 1e9, parentShare: 0 }, { source: {} }),
    [],
  );
  const g = effectiveGates('w', { minEfficiency: 0.95 }, { maxSize: '1GB', maxStartMedianMs: 5000 });
  assert.equal(g.minEfficiency, 0.95);
  assert.equal(g.source.minEfficiency, 'images.yaml gates');
  assert.equal(g.maxSize, 1e9);
  assert.equal(g.source.maxSize, 'images.yaml images.w.gates');
  const breaches = checkGates(
    {
      image: 'jupyterlab-cpu',
      size: 4e9,
      efficiency: 0.98,
      startMedianMs: 2500,
      parentShare: 0.5,
      parent: 'foundation',
    },
    cpu,
  );
  assert.deepEqual(
    breaches.map((b) => [b.metric, b.value, b.threshold, b.kind]),
    [
      ['efficiency', 0.98, 0.99, 'min'],
      ['size', 4e9, 3.5e9, 'max'],
      ['startMedianMs', 2500, 2000, 'max'],
      ['parentShare', 0.5, 1, 'min'],
    ],
  );
  assert.match(breaches[0]!.message, /^jupyterlab-cpu: efficiency 0\.9800 < 0\.99/);
  assert.deepEqual(
    checkGates({ image: 'jupyterlab-cpu', size: 3e9, efficiency: 0.995, startMedianMs: 900, parentShare: 1 }, cpu),
    [],
  );
});

test('docker 25+ save archive: manifest.json naming OCI blobs (uncompressed layers)', async () => {
  const l0 = await makeTar(L0);
  const l1 = await makeTar(L1);
  const hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');
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
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  const add = (name: string, b: Buffer) =>
    new Promise<void>((res, rej) => pack.entry({ name }, b, (e) => (e ? rej(e) : res())));
  await add(`blobs/sha256/${hex(l1)}`, l1);
  await add(`blobs/sha256/${hex(config)}`, config);
  await add(`blobs/sha256/${hex(l0)}`, l0);
  await add('index.json', Buffer.from('{"schemaVersion":2,"manifests":[]}'));
  await add('manifest.json', Buffer.from(JSON.stringify(manifest)));
  pack.finalize();
  await done;
  const archive = await readImageArchive(once(Buffer.concat(chunks), 10_000));
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

test('parseStep: classic builder under a custom SHELL', () => {
  assert.deepEqual(
    [
      parseStep('/bin/bash -o pipefail -c #(nop)  USER 1000').keyword,
      parseStep('/bin/bash -o pipefail -c #(nop)  USER 1000').summary,
    ],
    ['USER', 'USER 1000'],
  );
  assert.deepEqual(
    [
      parseStep('/bin/bash -o pipefail -c apt-get update -qq').keyword,
      parseStep('/bin/bash -o pipefail -c apt-get update -qq').summary,
    ],
    ['RUN', 'RUN apt-get update -qq'],
  );
});
