/** collectReport (kfc report's orchestration) against a fake engine: what it reads, measures and gates. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import tar from 'tar-stream';
import { LayerBlobs } from '../../src/blobs/layer-blobs.ts';
import { ResultStore } from '../../src/cache/store.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import type { KfcError } from '../../src/errors.ts';
import { readImageArchive } from '../../src/metrics/archive/image-archive.ts';
import type { InspectedImage, ReportEngine } from '../../src/report/engine.ts';
import { LayerBook } from '../../src/report/layer-book.ts';
import { layerReports, wastedReports } from '../../src/report/layer-report.ts';
import { emptyManifests } from '../../src/report/manifests.ts';
import type { LayerReport } from '../../src/report/model.ts';
import { reportImages } from '../../src/report/report-images.ts';
import { collectReport } from '../../src/report/run.ts';
import { useFakeDocker } from './fake-docker.ts';

const MINI = resolve(import.meta.dirname, '../fixtures/mini');
const hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function pack(entries: [string, Buffer][]): Promise<Buffer> {
  const p = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(Buffer.from(c as Uint8Array));
  })();
  for (const [name, body] of entries) {
    await new Promise<void>((res, rej) => p.entry({ name }, body, (e) => (e ? rej(e) : res())));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Layers: the base's, the internal root's, then the child's two (the second deletes 300 B). */
const layers = {
  base: await pack([['etc/os-release', Buffer.alloc(100, 1)]]),
  root: await pack([['home/jovyan/.profile', Buffer.alloc(50, 2)]]),
  write: await pack([
    ['opt/tool', Buffer.alloc(200, 3)],
    ['opt/big', Buffer.alloc(300, 4)],
  ]),
  remove: await pack([['opt/.wh.big', Buffer.alloc(0)]]),
};
const diff = (b: Buffer) => `sha256:${hex(b)}`;
const images = {
  'kfc/mini-root:t': [layers.base, layers.root],
  'kfc/mini-child:t': [layers.base, layers.root, layers.write, layers.remove],
};
const configOf = (ls: Buffer[]) =>
  Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: ls.map(diff) }, history: ls.map(() => ({})) }));

/** `docker save` of one of the images above, as the engine writes it (OCI layout and manifest.json). */
async function archiveOf(ref: string): Promise<Buffer> {
  const ls = images[ref as keyof typeof images];
  const config = configOf(ls);
  const entries: [string, Buffer][] = [[`blobs/sha256/${hex(config)}`, config]];
  for (const l of ls) entries.push([`blobs/sha256/${hex(l)}`, l]);
  const manifest = [
    { Config: `blobs/sha256/${hex(config)}`, RepoTags: [ref], Layers: ls.map((l) => `blobs/sha256/${hex(l)}`) },
  ];
  const unique = [...new Map(entries.map((e) => [e[0], e])).values()];
  return pack([...unique, ['manifest.json', Buffer.from(JSON.stringify(manifest))]]);
}

/** A fake engine holding the two images above; it records what it is asked. */
function fakeEngine(calls: string[]): ReportEngine {
  const info = (ref: string): InspectedImage | undefined => {
    if (ref === 'debian:trixie-20250520-slim') {
      return { id: 'sha256:base', size: 100, tags: [ref], created: '', diffIds: [diff(layers.base)], env: [] };
    }
    const ls = images[ref as keyof typeof images];
    if (!ls) return undefined;
    const size = ls.reduce((a, l) => a + l.length, 0);
    return {
      id: `sha256:${hex(configOf(ls))}`,
      size,
      tags: [ref],
      created: '2026-12-01T00:00:00Z',
      diffIds: ls.map(diff),
      env: [],
    };
  };
  return {
    inspect: async (ref) => {
      calls.push(`inspect ${ref}`);
      return info(ref);
    },
    saveAndRead: async (ref) => {
      calls.push(`save ${ref}`);
      const archive = await archiveOf(ref);
      const read = await readImageArchive(
        (async function* () {
          yield archive;
        })(),
      );
      return { archive: read, bytes: archive.length };
    },
    saveTo: async (ref, file) => {
      calls.push(`save ${ref} to a file`);
      writeFileSync(file, await archiveOf(ref));
    },
    manifests: async (ref) => {
      calls.push(`manifests ${ref}`);
      return emptyManifests();
    },
    measureStart: async (ref, ready, starts) => {
      calls.push(`start ${ref} ${ready} ${starts}`);
      const samplesMs = [2500, 2600, 2700];
      return { starts: 3, samplesMs, medianMs: 2600, minMs: 2500, maxMs: 2700, iqrMs: 100, url: 'u', failures: [] };
    },
  };
}

/** collectReport's family report (the referee part is off here). */
const collect = async (...a: Parameters<typeof collectReport>) => (await collectReport(...a)).report;

describe('collectReport with a fake engine', () => {
  const catalog = loadCatalog(MINI);
  catalog.spec.gates = { minEfficiency: 0.99, maxStartMedianMs: 2000, minParentShare: 1 };
  const nodes = ['mini-child', 'mini-grand'].map((n) => catalog.nodes.get(n)!);
  const refOf = (n: { name: string }) => `kfc/${n.name}:t`;

  test('one save per named image, streamed; the ancestors are found in it; names the missing ones', async () => {
    const calls: string[] = [];
    const r = await collect(catalog, nodes, {
      engine: fakeEngine(calls),
      refOf,
      manifests: false,
      starts: 0,
      log: () => {},
    });
    assert.deepEqual(r.missing, ['mini-grand']);
    assert.deepEqual(
      r.images.map((i) => i.name),
      ['mini-child'],
    );
    assert.deepEqual(
      calls.filter((c) => c.startsWith('save')),
      ['save kfc/mini-child:t'],
    );
    assert.ok(
      !calls.some((c) => c.startsWith('manifests') || c.startsWith('start')),
      'nothing measured that was not asked',
    );
  });

  test('--keep-layers: the one save goes to a file, its layers into the store; kept already, nothing', async () => {
    const store = new LayerBlobs(mkdtempSync(join(tmpdir(), 'kfc-keep-layers-')));
    const lines: string[] = [];
    const calls: string[] = [];
    const opts = { engine: fakeEngine(calls), refOf, manifests: false, starts: 0, keepLayers: store };
    await collect(catalog, nodes, { ...opts, log: (l: string) => lines.push(l) });
    assert.deepEqual(
      calls.filter((c) => c.startsWith('save')),
      ['save kfc/mini-child:t to a file'],
    );
    const child = images['kfc/mini-child:t'];
    assert.deepEqual(store.missing(`sha256:${hex(configOf(child))}`, child.map(diff)), []);
    assert.match(
      lines.join('\n'),
      /^kfc report: mini-child: 4 layers kept as zstd for kfc node-pull .* from the same save$/m,
    );
    calls.length = 0;
    await collect(catalog, nodes, { ...opts, log: () => {} });
    assert.deepEqual(
      calls.filter((c) => c.startsWith('save')),
      ['save kfc/mini-child:t'],
      'the store holds every part: streamed as before, nothing written',
    );
    rmSync(store.dir, { recursive: true, force: true });
  });

  test('layers, waste, sharing and gates come from the archive and the catalog', async () => {
    const r = await collect(catalog, nodes, {
      engine: fakeEngine([]),
      refOf,
      manifests: false,
      starts: 0,
      log: () => {},
    });
    const child = r.images[0]!;
    assert.deepEqual(
      child.layers.map((l) => [l.base, l.inParent]),
      [
        [true, true],
        [false, true],
        [false, false],
        [false, false],
      ],
    );
    assert.equal(child.metrics.wastedBytes, 300);
    assert.ok(child.metrics.efficiency < 0.99);
    assert.equal(child.sharing.parent?.with, 'mini-root');
    assert.equal(child.sharing.parent?.ratio, 1);
    assert.deepEqual(
      child.breaches.map((b) => [b.metric, b.source]),
      [['efficiency', 'images.yaml gates']],
    );
  });

  test('start times and manifests are measured when asked; a slow start breaches the catalog gate', async () => {
    const calls: string[] = [];
    const r = await collect(catalog, nodes, {
      engine: fakeEngine(calls),
      refOf,
      manifests: true,
      starts: 3,
      log: () => {},
    });
    assert.ok(calls.includes('manifests kfc/mini-child:t'));
    assert.ok(calls.includes('start kfc/mini-child:t /api/status 3'), calls.join('\n'));
    const child = r.images[0]!;
    assert.equal(child.start?.medianMs, 2600);
    assert.deepEqual(
      child.breaches.map((b) => b.metric),
      ['efficiency', 'startMedianMs'],
    );
  });

  test('the start is timed before the first save, then onStartsTimed is called once', async () => {
    const calls: string[] = [];
    const r = await collect(catalog, nodes, {
      engine: fakeEngine(calls),
      refOf,
      manifests: false,
      starts: 3,
      onStartsTimed: () => calls.push('starts timed'),
      log: () => {},
    });
    const at = (c: string) => calls.indexOf(c);
    const firstSave = calls.findIndex((c) => c.startsWith('save'));
    assert.ok(firstSave > 0, calls.join('\n'));
    assert.ok(at('start kfc/mini-child:t /api/status 3') < at('starts timed'), calls.join('\n'));
    assert.equal(at('starts timed'), firstSave - 1, calls.join('\n'));
    assert.equal(calls.filter((c) => c === 'starts timed').length, 1);
    assert.equal(calls.filter((c) => c.startsWith('start ')).length, 1, 'started once, not again at its save');
    assert.equal(r.images[0]!.start?.medianMs, 2600);
  });
});

describe('collectReport: what it says when parts are missing', () => {
  const catalog = loadCatalog(MINI);
  catalog.spec.gates = { minEfficiency: 0.5, maxStartMedianMs: 2000 };
  const refOf = (n: { name: string }) => `kfc/${n.name}:t`;
  const opts = { refOf, manifests: false, starts: 0, log: () => {} };
  const child = catalog.nodes.get('mini-child')!;

  test('nothing built: every named image missing, an empty family, no save', async () => {
    const calls: string[] = [];
    const r = await collect(catalog, [child], { ...opts, engine: fakeEngine(calls), refOf: () => 'none:t' });
    assert.deepEqual(r.missing, ['mini-child']);
    assert.deepEqual(r.images, []);
    assert.deepEqual(r.family, { images: 0, sumBytes: 0, uniqueBytes: 0, uniqueLayers: 0, sumLayers: 0, ratio: 1 });
    assert.ok(!calls.some((c) => c.startsWith('save')));
  });

  test('a parent not built here: a note, no layer counted as the parent’s, no parent share gate', async () => {
    const engine = fakeEngine([]);
    const withoutRoot: ReportEngine = {
      ...engine,
      inspect: async (ref) => (ref === 'kfc/mini-root:t' ? undefined : engine.inspect(ref)),
    };
    const r = await collect(catalog, [child], { ...opts, engine: withoutRoot });
    const img = r.images[0]!;
    assert.ok(
      img.notes.includes('parent mini-root is not built here (kfc/mini-root:t): no sharing figure'),
      img.notes.join('\n'),
    );
    assert.ok(img.layers.every((l) => !l.inParent));
    assert.equal(img.sharing.parent, undefined);
    assert.deepEqual(r.missing, [], 'an absent ancestor that was not named is not missing');
  });

  test('an image the archive lacks is a family note, not a report', async () => {
    const engine = fakeEngine([]);
    const renamed: ReportEngine = {
      ...engine,
      inspect: async (ref) => {
        const i = await engine.inspect(ref);
        return i && ref === 'kfc/mini-child:t' ? { ...i, id: 'sha256:other' } : i;
      },
    };
    const r = await collect(catalog, [child], { ...opts, engine: renamed });
    assert.deepEqual(r.images, []);
    assert.ok(
      r.notes.includes('mini-child: kfc/mini-child:t (sha256:other) not found in the saved archive'),
      r.notes.join('\n'),
    );
  });

  test('an internal stage gets no start measure, only a note', async () => {
    const calls: string[] = [];
    const root = catalog.nodes.get('mini-root')!;
    const r = await collect(catalog, [root], { ...opts, engine: fakeEngine(calls), starts: 3 });
    assert.ok(!calls.some((c) => c.startsWith('start')));
    assert.equal(r.images[0]!.start, undefined);
    assert.ok(r.images[0]!.notes.includes('internal stage (publish: false): start time not measured'));
  });

  test('a start that never answers breaches the start gate; manifests use the image’s CONDA_DIR', async () => {
    const engine = fakeEngine([]);
    const condaDirs: string[] = [];
    const never: ReportEngine = {
      ...engine,
      inspect: async (ref) => {
        const i = await engine.inspect(ref);
        return i && { ...i, env: ['PATH=/bin', 'CONDA_DIR=/srv/conda'] };
      },
      manifests: async (_ref, condaDir) => {
        condaDirs.push(condaDir);
        return emptyManifests();
      },
      measureStart: async () => ({
        starts: 0,
        samplesMs: [],
        medianMs: NaN,
        minMs: NaN,
        maxMs: NaN,
        iqrMs: NaN,
        url: 'http://127.0.0.1:<port>/p/api/status',
        failures: ['start 1: no 200'],
      }),
    };
    const r = await collect(catalog, [child], { ...opts, engine: never, manifests: true, starts: 2 });
    assert.deepEqual(condaDirs, ['/srv/conda']);
    const b = r.breaches.find((x) => x.metric === 'startMedianMs');
    assert.ok(b, JSON.stringify(r.breaches));
    assert.equal(b.value, Infinity);
    assert.equal(b.threshold, 2000);
    assert.equal(b.message, 'mini-child: never answered 200 at http://127.0.0.1:<port>/p/api/status (start 1: no 200)');
  });
});

describe('layerReports and wastedReports', () => {
  const catalog = loadCatalog(MINI);
  const child = catalog.nodes.get('mini-child')!;
  const imageOf = async (ref: string) => (await fakeEngine([]).saveAndRead(ref)).archive.images[0]!;

  test('base and parent layers by digest; layers without an instruction are named in a note', async () => {
    const img = await imageOf('kfc/mini-child:t');
    const ids = img.layers.map((l) => l.diffId);
    const { layers, notes } = layerReports(child, img, new Set(ids.slice(0, 1)), new Set(ids.slice(0, 2)));
    assert.deepEqual(
      layers.map((l) => [l.index, l.base, l.inParent, l.size, l.whiteouts]),
      [
        [0, true, true, 100, 0],
        [1, false, true, 50, 0],
        [2, false, false, 500, 0],
        [3, false, false, 0, 1],
      ],
    );
    assert.deepEqual(notes, [
      '3 of 3 layer(s) above the base could not be matched to an instruction ' +
        'of the generated Dockerfile (built from another Dockerfile?)',
    ]);
  });

  test('without the base image the history decides (it names none of our instructions here: all base)', async () => {
    const img = await imageOf('kfc/mini-child:t');
    const { layers, notes } = layerReports(child, img, new Set(), new Set());
    assert.deepEqual(
      layers.map((l) => l.base),
      [true, true, true, true],
    );
    assert.deepEqual(notes, []);
  });

  test('wasted paths name the instruction and bit of each layer that wrote them', () => {
    const layer = (index: number, instruction: string, bit?: string) =>
      ({ index, instruction, ...(bit ? { bit } : {}) }) as LayerReport;
    const layers = [layer(0, 'Imported'), layer(1, 'RUN a', 'mini-tool'), layer(2, 'RUN rm')];
    const top = [{ path: 'opt/big', cumulativeBytes: 300, minBytes: 0, layers: [1, 2], removed: true }];
    assert.deepEqual(wastedReports(top, layers), [
      {
        path: '/opt/big',
        cumulativeBytes: 300,
        minBytes: 0,
        removed: true,
        layers: [
          { index: 1, instruction: 'RUN a', bit: 'mini-tool' },
          { index: 2, instruction: 'RUN rm' },
        ],
      },
    ]);
  });
});

const refOf = (n: { name: string }) => `kfc/${n.name}:t`;

describe('reportImages: references, user errors and the merge with report.json', () => {
  useFakeDocker(); // requireEngine asks it for the engine version
  const catalog = loadCatalog(MINI);
  const child = catalog.nodes.get('mini-child')!;
  const out = mkdtempSync(join(tmpdir(), 'kfc-report-images-'));
  after(() => rmSync(out, { recursive: true, force: true }));
  const base = {
    repo: 'kfc',
    tag: 't',
    manifests: false,
    starts: 0,
    log: () => {},
    out,
    merge: false,
    resultCache: false,
  };

  test('measures REPO/IMAGE:TAG, or the reference given for an image', async () => {
    const calls: string[] = [];
    const { fresh, report } = await reportImages(catalog, [child], {
      ...base,
      tag: 'other',
      imageRefs: new Map([['mini-child', 'kfc/mini-child:t']]),
      engine: fakeEngine(calls),
      named: true,
    });
    assert.equal(report, fresh);
    assert.deepEqual(
      fresh.images.map((i) => i.ref),
      ['kfc/mini-child:t'],
    );
    assert.ok(calls.includes('inspect kfc/mini-root:other'), calls.join('\n'));
    assert.ok(calls.includes('save kfc/mini-child:t'), calls.join('\n'));
  });

  test('a named image not built here, or none at all: one line naming the reference', async () => {
    const grand = catalog.nodes.get('mini-grand')!;
    await assert.rejects(
      reportImages(catalog, [child, grand], { ...base, engine: fakeEngine([]), named: true }),
      (e: KfcError) => e.message === 'not built here: mini-grand (kfc/mini-grand:t)' && e.exitCode === 2,
    );
    await assert.rejects(
      reportImages(catalog, [grand], { ...base, engine: fakeEngine([]), named: false }),
      /^KfcError: no catalog image is built here with tag "t" in kfc\/$/,
    );
  });

  test('with merge, the images of the earlier report.json stay; without, they go', async () => {
    const engine = fakeEngine([]);
    const earlier = await collect(catalog, [child], { engine, refOf, manifests: false, starts: 0, log() {} });
    earlier.images[0]!.name = 'mini-grand';
    writeFileSync(join(out, 'report.json'), JSON.stringify(earlier));
    const merged = await reportImages(catalog, [child], { ...base, engine, named: true, merge: true });
    assert.deepEqual(
      merged.report.images.map((i) => i.name),
      ['mini-child', 'mini-grand'],
    );
    assert.deepEqual(
      merged.fresh.images.map((i) => i.name),
      ['mini-child'],
    );
    const alone = await reportImages(catalog, [child], { ...base, engine, named: true });
    assert.deepEqual(
      alone.report.images.map((i) => i.name),
      ['mini-child'],
    );
  });
});

describe('collectReport with the result cache', () => {
  const catalog = loadCatalog(MINI);
  catalog.spec.gates = { minEfficiency: 0.5, maxStartMedianMs: 5000 };
  const child = catalog.nodes.get('mini-child')!;
  const dir = mkdtempSync(join(tmpdir(), 'kfc-report-cache-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const caches = (sub: string, code = 'code-1') => ({
    report: new ResultStore('report', { dir: join(dir, sub), enabled: true }),
    referee: new ResultStore('referee', { dir: join(dir, sub), enabled: true }),
    code,
    engine: '20.10.24',
  });

  test('a passing image report is stored; the second run is served from it without a save, and says so', async () => {
    const cache = caches('pass');
    const first: string[] = [];
    const a = await collect(catalog, [child], {
      engine: fakeEngine(first),
      refOf,
      manifests: false,
      starts: 3,
      cache,
      log() {},
    });
    assert.deepEqual(a.breaches, []);
    assert.equal(first.filter((c) => c.startsWith('save')).length, 1);
    assert.equal(a.images[0]!.cached, undefined);
    assert.equal(a.images[0]!.seconds?.cached, undefined);

    const calls: string[] = [];
    const lines: string[] = [];
    const b = await collect(catalog, [child], {
      engine: fakeEngine(calls),
      refOf,
      manifests: false,
      starts: 3,
      cache,
      log: (s) => lines.push(s),
    });
    assert.ok(!calls.some((c) => c.startsWith('save') || c.startsWith('start')), calls.join('\n'));
    const img = b.images[0]!;
    assert.match(lines[0]!, /^kfc report: mini-child: cached \(key [0-9a-f]{12}, stored \d{4}-\d\d-\d\dT[\d:.]+Z\)$/);
    assert.match(lines[1]!, /^kfc report: mini-child: start figures from the cache \(median 2600 ms over 3 start\(s\)/);
    assert.equal(img.start?.medianMs, 2600);
    assert.equal(img.measuredAt, a.images[0]!.measuredAt, 'the figures are the stored run’s');
    assert.deepEqual(img.seconds?.cached, ['report']);
    assert.equal(img.seconds?.save, 0);
    assert.ok(img.notes.some((n) => /^from the result cache \(key [0-9a-f]{12}, measured /.test(n)));
    assert.deepEqual(
      { ...img, cached: undefined, notes: [], seconds: undefined },
      {
        ...a.images[0]!,
        cached: undefined,
        notes: [],
        seconds: undefined,
      },
    );
  });

  test('a key part that changes (code, starts, gates, image ID) is a miss; no cache runs everything', async () => {
    const cache = caches('parts');
    const opts = { refOf, manifests: false, starts: 0, log() {} };
    /** How many images a run saves (the engine's inspect answers may be another's). */
    const saves = async (o: Partial<Parameters<typeof collectReport>[2]>, engine = fakeEngine([])) => {
      const calls: string[] = [];
      await collect(catalog, [child], {
        ...opts,
        cache,
        engine: { ...engine, saveAndRead: fakeEngine(calls).saveAndRead },
        ...o,
      });
      return calls.filter((c) => c.startsWith('save')).length;
    };
    assert.equal(await saves({}), 1);
    assert.equal(await saves({}), 0, 'stored');
    assert.equal(await saves({ cache: caches('parts', 'code-2') }), 1, 'other code');
    assert.equal(await saves({ starts: 2 }), 1, 'other starts count');
    assert.equal(await saves({ cache: undefined }), 1, 'no cache (--no-result-cache)');
    const other = fakeEngine([]);
    const rebuilt: ReportEngine = {
      ...other,
      inspect: async (ref) => {
        const i = await other.inspect(ref);
        return i && ref === 'kfc/mini-root:t' ? { ...i, id: 'sha256:rebuilt-parent' } : i;
      },
    };
    assert.equal(await saves({}, rebuilt), 1, 'another parent image ID');
    const tight = loadCatalog(MINI);
    tight.spec.gates = { minEfficiency: 0.6, maxStartMedianMs: 5000 };
    const calls: string[] = [];
    await collect(tight, [tight.nodes.get('mini-child')!], { ...opts, cache, engine: fakeEngine(calls) });
    assert.equal(calls.filter((c) => c.startsWith('save')).length, 1, 'other gates');
  });

  test('a failing report is never stored', async () => {
    const cache = caches('fail');
    const strict = loadCatalog(MINI);
    strict.spec.gates = { minEfficiency: 0.99 };
    const node = strict.nodes.get('mini-child')!;
    for (const run of [1, 2]) {
      const calls: string[] = [];
      const r = await collect(strict, [node], {
        engine: fakeEngine(calls),
        refOf,
        manifests: false,
        starts: 0,
        cache,
        log() {},
      });
      assert.equal(r.breaches.length, 1);
      assert.equal(calls.filter((c) => c.startsWith('save')).length, 1, `run ${run} measures again`);
    }
    assert.deepEqual(readdirSync(join(dir, 'fail', 'report')), []);
  });
});

describe('LayerBook', () => {
  const l = (diffId: string, size: number) => ({ diffId, size, tarBytes: size + 512 });
  test('an ancestor not read itself is put together from a descendant’s layers, or is unknown', () => {
    const book = new LayerBook();
    book.pool([l('a', 1), l('b', 2), l('c', 3)]);
    assert.deepEqual(book.get('sha256:parent', ['a', 'b']), [l('a', 1), l('b', 2)]);
    assert.equal(book.get('sha256:stale', ['a', 'x']), undefined, 'a layer the descendant does not have');
    book.add('sha256:own', [l('z', 9)]);
    assert.deepEqual(book.get('sha256:own', []), [l('z', 9)]);
  });
});

describe('collectReport with the referee part', () => {
  const catalog = loadCatalog(MINI);
  catalog.spec.gates = { minEfficiency: 0.5 };
  const child = catalog.nodes.get('mini-child')!;
  const dir = mkdtempSync(join(tmpdir(), 'kfc-referee-part-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // No tool configured: the referee part is kfc's reading of the file only (dive and Trivy are
  // exercised for real in tests/integration/referees.test.ts).
  const referees = { setup: { tools: {} }, images: new Set(['mini-child']), sbomDir: join(dir, 'sbom') };
  const cache = {
    report: new ResultStore('report', { dir, enabled: true }),
    referee: new ResultStore('referee', { dir, enabled: true }),
    code: 'c',
    engine: 'e',
  };

  test("the next image's save runs beside an image's dive; the starts came before any save", async () => {
    // A dive that takes a second and notes when it ran (its verdict does not matter here).
    const marks = join(dir, 'dive-marks');
    const bin = join(dir, 'slow-dive');
    writeFileSync(
      bin,
      [
        '#!/bin/sh',
        `echo "dive-start $(date +%s%3N)" >>${marks}`,
        'sleep 1',
        `echo "dive-end $(date +%s%3N)" >>${marks}`,
        'printf "efficiency: 100 %%\\nwastedBytes: 0 bytes\\nuserWastedPercent: 0 %%\\nResult:PASS\\n"',
        '',
      ].join('\n'),
    );
    chmodSync(bin, 0o755);
    const dive = { bin, ciConfig: '/dev/null', configEfficiency: 0.5, version: 'fake', configDigest: 'd' };
    const both = { setup: { dive, tools: {} }, images: new Set(['mini-root', 'mini-child']), sbomDir: join(dir, 'sb') };
    const at: Record<string, number> = {};
    const inner = fakeEngine([]);
    const engine: ReportEngine = {
      ...inner,
      saveTo: async (ref, file) => {
        at[`save ${ref}`] = Date.now();
        await inner.saveTo(ref, file);
      },
      measureStart: async (ref, ready, starts, o) => {
        at[`start ${ref}`] = Date.now();
        return inner.measureStart(ref, ready, starts, o);
      },
    };
    const nodes = ['mini-root', 'mini-child'].map((n) => catalog.nodes.get(n)!);
    const r = await collectReport(catalog, nodes, {
      refOf,
      manifests: false,
      starts: 3,
      referees: both,
      engine,
      log() {},
    });
    assert.deepEqual(
      r.referees.map((x) => x.name),
      ['mini-root', 'mini-child'],
    );
    const lines = readFileSync(marks, 'utf8').trim().split('\n');
    const rootDive = { start: Number(lines[0]!.split(' ')[1]), end: Number(lines[1]!.split(' ')[1]) };
    assert.ok(
      at['save kfc/mini-child:t']! < rootDive.end,
      `child saved at ${at['save kfc/mini-child:t']}, root's dive ${lines}`,
    );
    // The starts were timed first, before any save and so before any dive ran.
    assert.ok(
      at['start kfc/mini-child:t']! <= at['save kfc/mini-root:t']! && at['start kfc/mini-child:t']! < rootDive.start,
      `child started at ${at['start kfc/mini-child:t']}, root saved at ${at['save kfc/mini-root:t']}, ${lines}`,
    );
  });

  test('one save to a file read by both parts, deleted after; then both from the cache, nothing saved', async () => {
    const work = join(dir, 'work');
    const calls: string[] = [];
    const lines: string[] = [];
    const opts = { refOf, manifests: false, starts: 0, referees, cache, workDir: work };
    const a = await collectReport(catalog, [child], { ...opts, engine: fakeEngine(calls), log: (s) => lines.push(s) });
    assert.deepEqual(
      calls.filter((c) => c.startsWith('save')),
      ['save kfc/mini-child:t to a file'],
    );
    assert.match(
      lines.join('\n'),
      /^kfc report: mini-child: saved kfc\/mini-child:t \(0\.00 GB, to \S+mini-child\.tar\)/m,
    );
    assert.deepEqual(readdirSync(work), [], 'the archive is deleted');
    assert.deepEqual(
      a.referees.map((r) => [r.name, r.id, r.problems]),
      [['mini-child', a.report.images[0]!.id, []]],
    );

    const again: string[] = [];
    const b = await collectReport(catalog, [child], { ...opts, engine: fakeEngine(again), log: (s) => lines.push(s) });
    assert.ok(!again.some((c) => c.startsWith('save')), again.join('\n'));
    assert.match(lines.join('\n'), /^kfc report: mini-child: referees cached \(key [0-9a-f]{12}, /m);
    assert.deepEqual(b.report.images[0]!.seconds?.cached, ['report', 'referees']);
    assert.ok(b.referees[0]!.cached);

    const verb: string[] = [];
    const c = await collectReport(catalog, [child], {
      ...opts,
      report: false,
      verb: 'kfc referee',
      cache: undefined,
      engine: fakeEngine(verb),
      log: (s) => lines.push(s),
    });
    assert.deepEqual(c.report.images, [], 'kfc referee: no report part');
    assert.deepEqual(
      verb.filter((x) => x.startsWith('save')),
      ['save kfc/mini-child:t to a file'],
    );
    assert.match(lines.join('\n'), /^kfc referee: mini-child: saved /m);
  });
});
