import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanLayerTar } from '../../src/metrics/archive/layer-tar.ts';
import { analyzeLayers } from '../../src/metrics/efficiency.ts';
import { type LayerContent, layerStats } from '../../src/metrics/layer-content.ts';
import { L0, L1, L2, makeTar, once } from './layer-tars.ts';

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
