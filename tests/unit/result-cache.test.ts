// The result cache of `kfc test`: the key moves with everything a suite file's run reads (its import
// tree, the lockfile, the image ID, the named environment), only passing runs are stored, a corrupt
// entry is a miss with one warning, an unwritable cache is one warning and no cache, entries are
// written atomically; the suite markers, the spec summary and the pool of two.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { codeRoot } from '../../src/cache/code-root.ts';
import { importTree } from '../../src/cache/import-digest.ts';
import { ResultStore } from '../../src/cache/store.ts';
import type { ImageNode } from '../../src/catalog/model.ts';
import { KfcError } from '../../src/errors.ts';
import { longestFirst, runPool } from '../../src/testing/pool.ts';
import { keyEnv, type SuiteKeyInput, suiteKey, suiteKeyParts } from '../../src/testing/result-key.ts';
import { specCounts } from '../../src/testing/spec-counts.ts';
import {
  type CacheContext,
  lockfileDigest,
  planSuite,
  recordRun,
  type SuitePlan,
  storedSuite,
} from '../../src/testing/suite-cache.ts';
import { durationKey, readDurations, recordDurations } from '../../src/testing/suite-durations.ts';
import { suiteMarkers } from '../../src/testing/suite-markers.ts';
import { runSuiteFile } from '../../src/testing/suite-process.ts';
import { REPO_ROOT, tempDir, writeFiles } from './helpers.ts';

const scratch: string[] = [];
const dir = (p?: string) => {
  const d = tempDir(p);
  scratch.push(d);
  return d;
};
after(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

const versions = { node: 'v20.0.0', engine: '28.0.0', chromium: 'Chromium 1.2.3' };
const node = {
  spec: { test: { ready: '/api/status', general: true, suites: [] }, from: 'x' },
  chain: [{ name: 'parent' }, { name: 'child' }],
} as unknown as ImageNode;

/** A repository with a suite file that imports a helper that imports a "src" module. */
function repo(): string {
  const root = dir('kfc-rkey-');
  writeFiles(root, {
    'package-lock.json': '{"lockfileVersion": 3}\n',
    'src/deep.ts': 'export const deep = 1;\n',
    'tests/images/img/helper.ts': "import { deep } from '../../../src/deep.ts';\nexport const h = deep + 1;\n",
    'tests/images/img/a.test.ts': [
      "import { test } from 'node:test';",
      "import { h } from './helper.ts';",
      "test('a', () => { if (h !== 2) throw 0; });",
      '',
    ].join('\n'),
  });
  return root;
}

function ctx(root: string, over: Partial<CacheContext> = {}): CacheContext {
  return {
    root,
    imageId: 'sha256:aaaa',
    versions,
    env: { KFC_TEST_READY: '/api/status' },
    lockfile: lockfileDigest(root),
    ...over,
  };
}

const collect = () => {
  const lines: string[] = [];
  return { lines, warn: (l: string) => lines.push(l) };
};

describe('the key of a suite file on an image', () => {
  const store = () => new ResultStore('test', { dir: dir('kfc-rstore-'), enabled: true, warn: () => {} });
  const keyOf = async (root: string, over: Partial<CacheContext> = {}) =>
    (await planSuite('tests/images/img/a.test.ts', node, ctx(root, over), store())).key;

  test('the import tree holds the suite file, its helper and the module the helper imports (no packages)', async () => {
    const root = repo();
    assert.deepEqual(await importTree('tests/images/img/a.test.ts', root), [
      'src/deep.ts',
      'tests/images/img/a.test.ts',
      'tests/images/img/helper.ts',
    ]);
  });

  test('the same inputs give the same key, in another clone too', async () => {
    const a = await keyOf(repo());
    assert.match(a ?? '', /^[0-9a-f]{64}$/);
    assert.equal(await keyOf(repo()), a);
  });

  test('changing the suite file, its helper or a module imported transitively changes the key', async () => {
    const root = repo();
    const seen = new Set([await keyOf(root)]);
    for (const f of ['tests/images/img/a.test.ts', 'tests/images/img/helper.ts', 'src/deep.ts']) {
      writeFileSync(join(root, f), `${readFileSync(join(root, f), 'utf8')}// changed\n`);
      const k = await keyOf(root);
      assert.ok(!seen.has(k), `changing ${f} left the key as it was`);
      seen.add(k);
    }
  });

  test('a reads: marker puts the bytes of what it names (folders walked) in the key; missing, no key', async () => {
    const root = repo();
    const suite = join(root, 'tests/images/img/a.test.ts');
    writeFileSync(suite, `// kfc-test: reads: deploy/v2, data/one.yaml\n${readFileSync(suite, 'utf8')}`);
    writeFiles(root, { 'deploy/v2/kind.yaml': 'a: 1\n', 'deploy/v2/sub/x.yaml': 'b: 1\n', 'data/one.yaml': 'c\n' });
    const base = await keyOf(root);
    assert.match(base ?? '', /^[0-9a-f]{64}$/);
    for (const f of ['deploy/v2/kind.yaml', 'deploy/v2/sub/x.yaml', 'data/one.yaml']) {
      const before = readFileSync(join(root, f), 'utf8');
      writeFileSync(join(root, f), `${before}# edited\n`);
      assert.notEqual(await keyOf(root), base, `editing ${f} left the key as it was`);
      writeFileSync(join(root, f), before);
    }
    assert.equal(await keyOf(root), base);
    rmSync(join(root, 'data/one.yaml'));
    const plan = await planSuite('tests/images/img/a.test.ts', node, ctx(root), store());
    assert.equal(plan.key, undefined);
    assert.equal(plan.noKey, 'it reads data/one.yaml, which does not exist');
  });

  test('reads: a file added or renamed in a folder moves its digest; the order of the paths does not', async () => {
    const root = repo();
    const suite = join(root, 'tests/images/img/a.test.ts');
    const body = readFileSync(suite, 'utf8');
    // The reads part of the key alone: the marker is in the suite file, whose bytes are in the key too.
    const readsOf = async (marker: string) => {
      writeFileSync(suite, `// kfc-test: reads: ${marker}\n${body}`);
      return (await planSuite('tests/images/img/a.test.ts', node, ctx(root), store())).parts?.reads;
    };
    writeFiles(root, { 'deploy/v2/kind.yaml': 'a: 1\n', 'deploy/v2/sub/x.yaml': 'b: 1\n', 'data/one.yaml': 'c\n' });
    const base = await readsOf('deploy/v2, data/one.yaml');
    assert.match(base ?? '', /^[0-9a-f]{64}$/);
    assert.equal(await readsOf('data/one.yaml, deploy/v2'), base, 'the order of the named paths moved the digest');
    writeFiles(root, { 'deploy/v2/sub/deeper/new.yaml': '' });
    assert.notEqual(await readsOf('deploy/v2, data/one.yaml'), base, 'an empty file two folders down was not read');
    rmSync(join(root, 'deploy/v2/sub/deeper/new.yaml'));
    assert.equal(await readsOf('deploy/v2, data/one.yaml'), base);
    // The same bytes under another name: the paths are in the digest, not only the contents.
    rmSync(join(root, 'deploy/v2/sub/x.yaml'));
    writeFiles(root, { 'deploy/v2/sub/y.yaml': 'b: 1\n' });
    assert.notEqual(await readsOf('deploy/v2, data/one.yaml'), base, 'renaming a file left the digest as it was');
  });

  test('changing package-lock.json changes the key', async () => {
    const root = repo();
    const before = await keyOf(root);
    writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {}}\n');
    assert.notEqual(await keyOf(root), before);
  });

  test('another image ID, node spec, chain or tool version changes the key', async () => {
    const root = repo();
    const base = await keyOf(root);
    assert.notEqual(await keyOf(root, { imageId: 'sha256:bbbb' }), base);
    assert.notEqual(await keyOf(root, { versions: { ...versions, engine: '29.0.0' } }), base);
    assert.notEqual(await keyOf(root, { versions: { ...versions, chromium: 'Chromium 1.2.4' } }), base);
    assert.notEqual(await keyOf(root, { only: 'serves' }), base);
    const input: SuiteKeyInput = { file: 'f', imageId: 'i', imports: 'd', lockfile: 'l', node, versions, env: {} };
    const k = suiteKey(suiteKeyParts(input));
    const other = { ...node, chain: [{ name: 'child' }] } as unknown as ImageNode;
    assert.notEqual(suiteKey(suiteKeyParts({ ...input, node: other })), k);
    const ready = { ...node, spec: { ...node.spec, test: { ...node.spec.test, ready: '/healthy' } } } as ImageNode;
    assert.notEqual(suiteKey(suiteKeyParts({ ...input, node: ready })), k);
  });

  test('a variable of the named list changes the key; others (and npm test selection knobs) do not', async () => {
    const root = repo();
    const env = { KFC_TEST_READY: '/api/status' };
    const base = await keyOf(root, { env });
    for (const [name, value] of [
      ['KFC_FIRST_CELL_RUNS', '20'],
      ['KFC_TEST_GPU', 'required'],
      ['KFC_TEST_PREFIX', '/notebook/a/b'],
      ['KFC_TEST_SOMETHING_NEW', '1'],
      ['KFC_CHROMIUM', '/opt/chromium'],
      ['DOCKER_HOST', 'tcp://127.0.0.1:2375'],
      ['CI', 'true'],
    ])
      assert.notEqual(await keyOf(root, { env: { ...env, [name!]: value! } }), base, name);
    for (const [name, value] of [
      ['KFC_TEST_IMAGE', 'other/ref:tag'],
      ['KFC_TEST_NAME', 'other'],
      ['KFC_TEST_TAG', 'abc123'],
      ['KFC_TEST_CACHE', 'on'],
      ['HOME', '/elsewhere'],
      ['PATH', '/bin'],
    ])
      assert.equal(await keyOf(root, { env: { ...env, [name!]: value! } }), base, name);
    assert.deepEqual(keyEnv({ B: '1', KFC_TEST_B: '2', KFC_TEST_A: '1', DOCKER_HOST: 'x', CI: undefined }), {
      DOCKER_HOST: 'x',
      KFC_TEST_A: '1',
      KFC_TEST_B: '2',
    });
  });

  test('a suite marked uncached gets no key and is never looked up', async () => {
    const root = repo();
    const f = join(root, 'tests/images/img/a.test.ts');
    writeFileSync(f, `// A suite.\n// kfc-test: uncached: depends on the day\n${readFileSync(f, 'utf8')}`);
    const plan = await planSuite('tests/images/img/a.test.ts', node, ctx(root), store());
    assert.equal(plan.key, undefined);
    assert.equal(plan.uncached, 'depends on the day');
    assert.equal(plan.label, 'img/a.test.ts');
  });

  test('a suite whose imports cannot be resolved gets no key, with the reason', async () => {
    const root = repo();
    writeFileSync(join(root, 'tests/images/img/a.test.ts'), "import { x } from './missing.ts';\nconsole.log(x);\n");
    const plan = await planSuite('tests/images/img/a.test.ts', node, ctx(root), store());
    assert.equal(plan.key, undefined);
    assert.match(plan.noKey ?? '', /its imports could not be read: .*missing\.ts/);
  });
});

describe('storing runs', () => {
  const suite = (root: string, name: string, body: string) => {
    writeFiles(root, { [name]: `import { test } from 'node:test';\n${body}\n` });
    return name;
  };
  const planOf = async (root: string, file: string, store: ResultStore) =>
    (await planSuite(file, node, ctx(root), store)) as SuitePlan;

  test('a passing run is stored with its counts and served; a failing run is not stored', async () => {
    const root = repo();
    const store = new ResultStore('test', { dir: dir('kfc-rstore-'), enabled: true, warn: () => {} });
    const good = suite(
      root,
      'tests/images/img/good.test.ts',
      "test('one', () => {});\ntest('two', () => {});\ntest('three', { skip: 'not here' }, () => {});",
    );
    const bad = suite(root, 'tests/images/img/bad.test.ts', "test('one', () => {});\ntest('two', () => { throw 1; });");
    const env = { PATH: process.env.PATH ?? '' };
    // The files live in a temporary repository: run them from there with this repository's tsx.
    const runIn = (f: string) => runSuiteFile(join(root, f), { cwd: REPO_ROOT, env });
    const g = await runIn(good);
    assert.equal(g.ok, true, g.output);
    assert.deepEqual([g.counts?.pass, g.counts?.fail, g.counts?.skipped], [2, 0, 1]);
    const b = await runIn(bad);
    assert.equal(b.ok, false);
    assert.deepEqual([b.counts?.pass, b.counts?.fail], [1, 1]);

    const gp = await planOf(root, good, store);
    const bp = await planOf(root, bad, store);
    assert.equal(recordRun(store, bp, b, 'img'), false);
    assert.equal(storedSuite(store, bp), undefined, 'a failed run was stored');
    assert.equal(recordRun(store, gp, g, 'img'), true);
    const hit = storedSuite(store, gp);
    assert.equal(hit?.key, gp.key);
    assert.deepEqual([hit?.value.passed, hit?.value.skipped, hit?.value.image], [2, 1, 'img']);
    assert.equal(hit?.parts.image, 'sha256:aaaa');
    assert.deepEqual(readdirSync(store.dir), [`${gp.key}.json`]);
  });

  test('a corrupt entry, or one of the wrong shape, is a miss with one warning line', async () => {
    const root = repo();
    const w = collect();
    const store = new ResultStore('test', { dir: dir('kfc-rstore-'), enabled: true, warn: w.warn });
    const plan = await planOf(root, 'tests/images/img/a.test.ts', store);
    const file = join(store.dir, `${plan.key}.json`);
    writeFileSync(file, '{"key": "');
    assert.equal(storedSuite(store, plan), undefined);
    assert.equal(w.lines.length, 1);
    assert.match(w.lines[0]!, /result cache entry .*\.json is corrupt: treated as a miss/);
    writeFileSync(file, JSON.stringify({ key: plan.key, storedAt: 'x', parts: {}, value: { passed: 'many' } }));
    assert.equal(storedSuite(store, plan), undefined);
    assert.equal(w.lines.length, 2);
  });

  test('an unwritable cache directory is one warning line, and the store is off', () => {
    const file = join(dir('kfc-rstore-'), 'a-file');
    writeFileSync(file, 'not a directory');
    const w = collect();
    const store = new ResultStore('test', { dir: join(file, 'cache'), enabled: true, warn: w.warn });
    assert.equal(store.on, false);
    assert.equal(w.lines.length, 1);
    assert.match(w.lines[0]!, /^kfc: warning: result cache .* is not writable \(ENOTDIR\): running without it/);
    assert.equal(store.get('k'), undefined);
    store.put('k', {}, { passed: 1 });
    assert.equal(w.lines.length, 1, 'no further warnings');
  });

  test('KFC_TEST_CACHE=off turns the store off', () => {
    const before = process.env.KFC_TEST_CACHE;
    process.env.KFC_TEST_CACHE = 'off';
    try {
      assert.equal(new ResultStore('test', { dir: dir('kfc-rstore-') }).on, false);
    } finally {
      if (before === undefined) delete process.env.KFC_TEST_CACHE;
      else process.env.KFC_TEST_CACHE = before;
    }
  });

  test('entries are written atomically: a new file renamed into place, no temporary file left', () => {
    const store = new ResultStore('test', { dir: dir('kfc-rstore-'), enabled: true, warn: () => {} });
    const key = 'a'.repeat(64);
    store.put(key, { p: '1' }, { passed: 1, skipped: 0 });
    const first = statSync(join(store.dir, `${key}.json`)).ino;
    store.put(key, { p: '1' }, { passed: 2, skipped: 0 });
    assert.notEqual(statSync(join(store.dir, `${key}.json`)).ino, first, 'the entry was rewritten in place');
    assert.deepEqual(readdirSync(store.dir), [`${key}.json`]);
    assert.equal(store.get<{ passed: number }>(key)?.value.passed, 2);
  });
});

describe('suite markers', () => {
  test('uncached and alone are read from the leading comment block, with their reasons', () => {
    const text = '// A suite.\n// kfc-test: uncached: a loss rate\n\n// kfc-test: alone: loads the cores\nimport x;\n';
    assert.deepEqual(suiteMarkers(text, 'f.test.ts'), { uncached: 'a loss rate', alone: 'loads the cores' });
    assert.deepEqual(suiteMarkers('import x;\n// kfc-test: uncached: too late\n', 'f.test.ts'), {});
    assert.deepEqual(suiteMarkers('// kfc-test: reads: deploy/kubeflow/v2\n', 'f.test.ts'), {
      reads: 'deploy/kubeflow/v2',
    });
  });

  test('an unknown marker or one without a reason is one clear error naming the line', () => {
    const err = (text: string) => {
      try {
        suiteMarkers(text, 'a/f.test.ts');
      } catch (e) {
        assert.ok(e instanceof KfcError);
        return `${e.message} (${e.hint})`;
      }
      assert.fail('no error');
    };
    assert.match(err('// x\n// kfc-test: uncachd: typo\n'), /^a\/f\.test\.ts:2: unknown marker "kfc-test: uncachd"/);
    assert.match(err('// kfc-test: alone:\n'), /^a\/f\.test\.ts:1: "kfc-test: alone" without a reason/);
  });

  test("every image suite's markers read, and the ones that depend on time, network, chance or GPUs say so", () => {
    const marked: Record<string, string[]> = {};
    for (const d of readdirSync(join(REPO_ROOT, 'tests/images')))
      for (const f of readdirSync(join(REPO_ROOT, 'tests/images', d)).filter((x) => x.endsWith('.test.ts'))) {
        const m = suiteMarkers(readFileSync(join(REPO_ROOT, 'tests/images', d, f), 'utf8'), f);
        for (const k of Object.keys(m)) marked[k] = [...(marked[k] ?? []), `${d}/${f}`];
      }
    for (const f of [
      'general/load.test.ts',
      'jupyterlab-cpu/first-cell.test.ts',
      'jupyterlab-cpu/user-installs.test.ts',
      'jupyterlab-pytorch/gpu.test.ts',
      'jupyterlab-tensorflow/gpu.test.ts',
    ])
      assert.ok(marked.uncached?.includes(f), `${f} is not marked uncached`);
    // Only the load figure runs alone: Chromium has its own network namespace (src/testing/browser-netns.mjs),
    // so a container started by another file no longer aborts its requests, and browser suites share the lanes.
    assert.deepEqual(marked.alone, ['general/load.test.ts']);
  });
});

describe('the spec summary', () => {
  test('the closing counts of a run, colours or not; none when the run printed no summary', () => {
    const out = [
      '✔ a (1ms)',
      'ℹ tests 4',
      'ℹ suites 1',
      '\u001b[34mℹ pass 2\u001b[39m',
      'ℹ fail 1',
      'ℹ cancelled 0',
      'ℹ skipped 1',
      'ℹ todo 0',
      'ℹ duration_ms 12.5',
    ].join('\n');
    assert.deepEqual(specCounts(out), { tests: 4, pass: 2, fail: 1, cancelled: 0, skipped: 1, todo: 0 });
    assert.equal(specCounts('Error: cannot find module\n'), undefined);
  });
});

describe('the pool', () => {
  test('two at a time, alone jobs by themselves after the others, results in job order', async () => {
    let running = 0;
    const seen: { job: string; with: number }[] = [];
    const jobs = ['a', 'B!', 'c', 'd', 'E!', 'f'];
    const results = await runPool(
      jobs,
      2,
      (j) => j.endsWith('!'),
      async (j) => {
        running++;
        seen.push({ job: j, with: running });
        await new Promise((r) => setTimeout(r, j === 'a' ? 30 : 5));
        running--;
        return j.toUpperCase();
      },
    );
    assert.deepEqual(results, ['A', 'B!', 'C', 'D', 'E!', 'F']);
    assert.ok(Math.max(...seen.map((s) => s.with)) === 2, 'never ran two at once');
    for (const s of seen.filter((x) => x.job.endsWith('!'))) assert.equal(s.with, 1, `${s.job} did not run alone`);
    assert.deepEqual(
      seen.slice(-2).map((s) => s.job),
      ['B!', 'E!'],
    );
  });
});

describe('the order of the files: longest first, from the seconds each last took', () => {
  test('known durations sort longest first, unknown ones count as long, ties keep their order', () => {
    const took: Record<string, number> = { a: 5, b: 100, c: 20 };
    assert.deepEqual(
      longestFirst(['a', 'b', 'c', 'new'], (j) => took[j]),
      ['b', 'new', 'c', 'a'],
    );
    assert.deepEqual(
      longestFirst(['x', 'y'], () => undefined),
      ['x', 'y'],
    );
  });

  test('durations are kept per image and file, merged with what is there, and a corrupt file is "not known"', () => {
    const d = dir();
    assert.deepEqual(readDurations(d), {});
    recordDurations({ [durationKey('cpu', 'a.test.ts')]: 12.5 }, d);
    recordDurations({ [durationKey('gpu', 'a.test.ts')]: 30 }, d);
    assert.deepEqual(readDurations(d), { 'cpu\ta.test.ts': 12.5, 'gpu\ta.test.ts': 30 });
    writeFileSync(join(d, 'durations', 'test.json'), '{not json');
    assert.deepEqual(readDurations(d), {});
  });
});

describe("kfc's checkout", () => {
  test('is found from the sources and from the bundle under node_modules/.cache/kfc/', () => {
    assert.equal(codeRoot(join(REPO_ROOT, 'src/testing')), REPO_ROOT);
    assert.equal(codeRoot(join(REPO_ROOT, 'node_modules/.cache/kfc/0123456789abcdef')), REPO_ROOT);
  });
});
