/**
 * kfc node-pull's pure parts: what the node holds before each pull, which pulls a partly cached run
 * makes, which images get the kernel step of the smoke, and what a row's cache key is made of.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { heldBefore, type PlanNode, planPulls } from '../../src/nodepull/node-plan.ts';
import { nodePullKey } from '../../src/nodepull/node-pull-key.ts';
import { formatSmokeTable, smokePlan } from '../../src/nodepull/node-smoke.ts';
import { REPO_ROOT } from './helpers.ts';

/** A tree from "name<parent" pairs, in the order given (parents first). */
function tree(...specs: string[]): PlanNode[] {
  const chains = new Map<string, string[]>();
  return specs.map((s) => {
    const [name, parent] = s.split('<') as [string, string | undefined];
    const chain = [...(parent ? chains.get(parent)! : []), name];
    chains.set(name, chain);
    return { name, chain: chain.map((c) => ({ name: c })) };
  });
}

// The family's shape: foundation → toolbelt → cpu → {pytorch, tensorflow}, toolbelt → desktop.
const family = tree('f', 't<f', 'cpu<t', 'torch<cpu', 'desk<t', 'tf<cpu');

test('the node holds an image while a later image descends from it', () => {
  assert.deepEqual(heldBefore(family), [
    [],
    ['f'],
    ['f', 't'],
    ['f', 't', 'cpu'],
    // torch went (nothing later descends from it); cpu stays for tf.
    ['f', 't', 'cpu'],
    ['f', 't', 'cpu'],
  ]);
});

test('nothing cached: every image is pulled, each dropped once no later pull needs it', () => {
  const steps = planPulls(family, new Set());
  assert.deepEqual(
    steps.map((s) => [s.name, s.cached, s.dropAfter]),
    [
      ['f', false, []],
      ['t', false, []],
      ['cpu', false, []],
      ['torch', false, ['torch']],
      ['desk', false, ['desk']],
      ['tf', false, ['f', 't', 'cpu', 'tf']],
    ],
  );
});

test('everything cached: no pull at all', () => {
  assert.deepEqual(planPulls(family, new Set(family.map((n) => n.name))), []);
});

test('one changed leaf: the images it finds on the node are pulled first (cached), the other leaves are not', () => {
  const cached = new Set(['f', 't', 'cpu', 'torch', 'tf']);
  const steps = planPulls(family, cached);
  // desk finds cpu on the node in a whole run (tf comes later): so it must here too.
  assert.deepEqual(
    steps.map((s) => [s.name, s.cached, s.heldBefore, s.dropAfter]),
    [
      ['f', true, [], []],
      ['t', true, ['f'], []],
      ['cpu', true, ['f', 't'], []],
      ['desk', false, ['f', 't', 'cpu'], ['f', 't', 'cpu', 'desk']],
    ],
  );
});

test('an uncached pull finds the node exactly as a whole run leaves it, whatever else is cached', () => {
  // a → {b → d, c}: b is held until d; c comes between and goes after its pull. And the family with a
  // leaf's child after a sibling branch (rd is pulled for j with cpu on the node in a whole run, not here).
  for (const order of [tree('a', 'b<a', 'c<a', 'd<b'), tree('f', 't<f', 'cpu<t', 'rd<t', 'torch<cpu', 'j<rd')]) {
    const whole = heldBefore(order);
    const names = order.map((n) => n.name);
    for (let mask = 0; mask < 2 ** names.length; mask++) {
      const cached = new Set(names.filter((_, i) => mask & (1 << i)));
      let held: string[] = [];
      for (const s of planPulls(order, cached)) {
        if (!s.cached) assert.deepEqual(held, whole[names.indexOf(s.name)], `${s.name}, cached: ${[...cached]}`);
        held = [...held, s.name].filter((x) => !s.dropAfter.includes(x));
      }
      assert.deepEqual(held, [], 'the node ends empty');
    }
  }
});

test('the kernel step: Jupyter images only (ready path /api/status and the jupyter spawner group in the chain)', () => {
  const catalog = loadCatalog(REPO_ROOT, { readFiles: false });
  const plan = (name: string) => smokePlan(catalog.nodes.get(name)!);
  assert.deepEqual(plan('jupyterlab-cpu'), { ready: '/api/status', kernel: true });
  assert.deepEqual(plan('jupyterlab-pytorch'), { ready: '/api/status', kernel: true });
  // sas is its own spawner group, a Jupyter server by descent.
  assert.deepEqual(plan('sas'), { ready: '/api/status', kernel: true });
  assert.deepEqual(plan('remote-desktop'), { ready: '/healthy', kernel: false });
  assert.deepEqual(plan('rstudio'), { ready: '/healthy', kernel: false });
  // The engine fixture serves /api/status with busybox httpd: no Jupyter behind it.
  const fixture = loadCatalog(join(REPO_ROOT, 'tests/fixtures/engine'), { readFiles: false });
  assert.deepEqual(smokePlan(fixture.nodes.get('fixture')!), { ready: '/api/status', kernel: false });
});

test("a row's key changes with every part it is made of", () => {
  const base = {
    imageId: 'sha256:1',
    onNode: [{ name: 'f', id: 'sha256:0' }],
    engineVersion: '20.10.24',
    registryVersion: 'docker-registry 2.8.2',
    layers: "zstd -3 (v1.5.4), the build's config, OCI layout pushed by skopeo version 1.9.3",
    smoke: '/api/status+kernel',
    verify: 'cosign v3.1.3: signed, SBOM attested, both verified by a throwaway key; digest pulled',
    source: 'abc',
  };
  const key = nodePullKey(base).key;
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.equal(nodePullKey({ ...base }).key, key, 'the same parts, the same key');
  for (const changed of [
    { imageId: 'sha256:2' },
    { onNode: [{ name: 'f', id: 'sha256:9' }] },
    { onNode: [] },
    { engineVersion: '26.1.5' },
    { registryVersion: 'docker-registry 3.0.0' },
    { layers: "zstd -19 (v1.5.4), the build's config, OCI layout pushed by skopeo version 1.9.3" },
    { smoke: 'off' },
    // A row measured before node-pull verified signatures (or with another cosign) is not this run's.
    { verify: 'cosign v3.2.0: signed, SBOM attested, both verified by a throwaway key; digest pulled' },
    { source: 'abd' },
  ])
    assert.notEqual(nodePullKey({ ...base, ...changed }).key, key, JSON.stringify(changed));
});

test('the smoke table: each part timed, the random id left out, a smoke problem says FAILED', () => {
  const kernel = { name: 'python3', language: 'python', startMs: 2140, deleteMs: 410 };
  const table = formatSmokeTable([
    {
      image: 'cpu',
      smoke: { path: '/notebook/kfc-node/cpu-0a1b2c/api/status', runMs: 300, readyMs: 4200, kernel },
      problems: [],
    },
    {
      image: 'desk',
      smoke: { path: '/notebook/kfc-node/desk-3d4e5f/healthy', runMs: 250, readyMs: 9000 },
      problems: ['smoke: x'],
    },
    { image: 'toolbelt', problems: [] },
  ]).split('\n');
  assert.equal(table.length, 4, 'the header, its rule, two smoked images');
  assert.equal(
    table[2],
    '| cpu | /notebook/kfc-node/cpu-<id>/api/status | 0.3 s | 4.2 s | python3 (python) | 2.1 s | 0.4 s | passed |',
  );
  assert.equal(table[3], '| desk | /notebook/kfc-node/desk-<id>/healthy | 0.3 s | 9.0 s | — | — | — | FAILED |');
});
