import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { parseStep } from '../../src/metrics/attribution.ts';
import { familySharing } from '../../src/metrics/family.ts';
import { checkGates, effectiveGates, parseSize } from '../../src/metrics/gates.ts';

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
