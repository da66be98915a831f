// The zstd layer store (src/blobs): a saved archive's members found from their headers alone, its layers
// compressed by the real zstd and checked against their diff_ids, the OCI layout node-pull pushes, and what a
// broken archive or entry does. Archives are built in memory in the `docker save` (Docker 20.10) shape.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LayerBlobs } from '../../src/blobs/layer-blobs.ts';
import { indexTar } from '../../src/blobs/tar-index.ts';
import { makeTar, packTar } from './layer-tars.ts';

const work = mkdtempSync(join(tmpdir(), 'kfc-layer-blobs-'));
after(() => rmSync(work, { recursive: true, force: true }));
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
let n = 0;
const fresh = (what: string) => join(work, `${what}-${++n}`);

/** A `docker save` archive of one image: its layers, its config (diff_ids as given or true), manifest.json. */
async function savedArchive(layers: Buffer[], diffIds = layers.map((l) => sha(l))) {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }),
  );
  const id = sha(config);
  const paths = layers.map((_, i) => `${String(i).padStart(64, 'a')}/layer.tar`);
  const manifest = [{ Config: `${id.slice(7)}.json`, RepoTags: ['x:t'], Layers: paths }];
  const tar = await packTar([
    ...layers.map((body, i) => ({ name: paths[i]!, body })),
    { name: `${id.slice(7)}.json`, body: config },
    { name: 'manifest.json', body: Buffer.from(JSON.stringify(manifest)) },
  ]);
  const file = `${fresh('archive')}.tar`;
  writeFileSync(file, tar);
  return { file, id, config };
}

const layerA = await makeTar([
  { name: 'usr/', dir: true },
  { name: 'usr/a.bin', size: 300_000 },
]);
const layerB = await makeTar([{ name: 'opt/b.txt', size: 5000 }]);

test("a tar's members from their headers alone: pax and ustar-prefix names, exact offsets and sizes", async () => {
  const long = `${'deep/'.repeat(60)}file.txt`; // over ustar's 255: a pax header
  const split = `${'half/'.repeat(30)}file.txt`; // over 100: ustar's prefix field
  const bodies = [Buffer.from('short body'), Buffer.alloc(1234, 7), Buffer.from(''), Buffer.from('split')];
  const file = fresh('index');
  writeFileSync(
    file,
    await packTar([
      { name: 'a.txt', body: bodies[0] },
      { name: long, body: bodies[1] },
      { name: 'dir/', type: 'directory' },
      { name: 'empty', body: bodies[2] },
      { name: split, body: bodies[3] },
    ]),
  );
  const members = await indexTar(file);
  assert.deepEqual(
    members.map((m) => m.name),
    ['a.txt', long, 'dir/', 'empty', split],
  );
  const bytes = readFileSync(file);
  for (const [i, m] of members.filter((x) => x.type === '0').entries())
    assert.deepEqual(
      bytes.subarray(m.offset, m.offset + m.size),
      [bodies[0], bodies[1], bodies[2], bodies[3]][i],
      m.name,
    );
});

test('a cut-short or foreign file is one error naming the file and the byte', async () => {
  const { file } = await savedArchive([layerA]);
  const cut = fresh('cut');
  writeFileSync(cut, readFileSync(file).subarray(0, 2048));
  await assert.rejects(indexTar(cut), /cut\S*: a member at byte \d+ runs past the end of the file/);
  const foreign = fresh('foreign');
  writeFileSync(foreign, Buffer.alloc(4096, 1));
  await assert.rejects(indexTar(foreign), /foreign\S*: no tar header at byte 0/);
});

test('an archive is kept: its config verbatim, each layer zstd and checked, once; the layout is OCI', async () => {
  const store = new LayerBlobs(fresh('store'));
  const { file, id, config } = await savedArchive([layerA, layerB]);
  const kept = await store.keepFromArchive(file);
  assert.deepEqual(kept.images, [{ id, diffIds: [sha(layerA), sha(layerB)] }]);
  assert.deepEqual(
    kept.added.map((a) => [a.diffId, a.bytesIn]),
    [
      [sha(layerA), layerA.length],
      [sha(layerB), layerB.length],
    ],
  );
  assert.deepEqual(store.config(id), config);
  assert.deepEqual(store.missing(id, [sha(layerA), sha(layerB)]), []);
  for (const layer of [layerA, layerB]) {
    const l = store.layer(sha(layer))!;
    assert.equal(l.level, 3);
    assert.match(l.zstd, /^v\d+\.\d+\.\d+$/);
    const blob = readFileSync(store.blobPath(l.digest));
    assert.equal(sha(blob), l.digest);
    assert.deepEqual(execFileSync('zstd', ['-dc'], { input: blob }), layer, 'decompresses to the layer');
  }
  assert.deepEqual((await store.keepFromArchive(file)).added, [], 'a second archive of it adds nothing');

  const dir = fresh('layout');
  const { digest, hardLinks } = store.writeLayout(dir, id, 'ci');
  assert.ok(hardLinks, 'the store and the layout share a file system here: hard links, which Trivy reads');
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  assert.equal(index.manifests[0].digest, digest);
  assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'ci');
  const manifest = readFileSync(join(dir, 'blobs/sha256', digest.slice(7)));
  assert.equal(sha(manifest), digest);
  const m = JSON.parse(manifest.toString('utf8'));
  assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.deepEqual(m.config, {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: id,
    size: config.length,
  });
  assert.deepEqual(
    m.layers.map((l: { mediaType: string }) => l.mediaType),
    ['application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.oci.image.layer.v1.tar+zstd'],
  );
  // The config's digest is the image ID: the node's image is the build's.
  assert.equal(sha(readFileSync(join(dir, 'blobs/sha256', id.slice(7)))), id);
  // Linked, not copied: the layout's blob is the store's file (the same inode).
  assert.equal(
    statSync(join(dir, 'blobs/sha256', m.layers[0].digest.slice(7))).ino,
    statSync(store.blobPath(m.layers[0].digest)).ino,
  );
});

test('a config read elsewhere is kept only when its sha256 is the image ID', () => {
  const store = new LayerBlobs(fresh('store'), () => {});
  const config = Buffer.from('{"rootfs":{"type":"layers","diff_ids":[]}}');
  const id = sha(config);
  assert.equal(store.keepConfig(id, Buffer.from(`${config} `)), false, 'one byte more is another image');
  assert.equal(store.config(id), undefined);
  assert.equal(store.keepConfig(id, config), true);
  assert.deepEqual(store.config(id), config);
  assert.deepEqual(store.missing(id, []), []);
});

test("a layer that does not hash to its config's diff_id fails, naming both, and leaves nothing", async () => {
  const store = new LayerBlobs(fresh('store'));
  const wrong = sha('another layer');
  const { file } = await savedArchive([layerA, layerB], [sha(layerA), wrong]);
  await assert.rejects(store.keepFromArchive(file), (e: Error) => {
    assert.match(e.message, new RegExp(`layer\\.tar hashes to ${sha(layerB)}, its config says ${wrong}`));
    return true;
  });
  assert.equal(store.layer(wrong), undefined);
  assert.deepEqual(
    readdirSync(join(store.dir, 'blobs/sha256')).filter((f) => f.endsWith('.tmp')),
    [],
    'no half-written blob',
  );
});

test('a corrupt entry or a lost blob is a miss with one warning; prune keeps only what is named', async () => {
  const warnings: string[] = [];
  const store = new LayerBlobs(fresh('store'), (l) => warnings.push(l));
  const { file, id } = await savedArchive([layerA, layerB]);
  await store.keepFromArchive(file);
  writeFileSync(join(store.dir, 'diff-ids', `${sha(layerA).slice(7)}.json`), '{not json');
  assert.equal(store.layer(sha(layerA)), undefined);
  rmSync(store.blobPath(store.layer(sha(layerB))!.digest));
  assert.equal(store.layer(sha(layerB)), undefined);
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0]!, /layer store entry .*\.json is unreadable: treated as a miss/);
  assert.match(warnings[1]!, /layer store blob of sha256:\w+ is missing or cut short: treated as a miss/);
  assert.deepEqual(store.missing(id, [sha(layerA), sha(layerB)]), [sha(layerA), sha(layerB)]);

  const other = new LayerBlobs(fresh('store'));
  const both = await savedArchive([layerA, layerB]);
  await other.keepFromArchive(both.file);
  const freed = other.prune(new Set([sha(layerB), both.id]));
  assert.ok(freed > 0);
  assert.equal(other.layer(sha(layerA)), undefined);
  assert.ok(other.layer(sha(layerB)));
  assert.ok(other.config(both.id));
});

test('an unwritable store is one warning and off', () => {
  const warnings: string[] = [];
  const store = new LayerBlobs('/dev/null/layer-blobs', (l) => warnings.push(l));
  assert.equal(store.on, false);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /layer store \/dev\/null\/layer-blobs is not writable \(ENOTDIR\) \(fix: KFC_CACHE_DIR=/);
});
