/** buildImages (kfc build's orchestration) against a fake engine: order, arguments, secrets, cache, failures. */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { type BuildEngine, buildImages } from '../../src/engine/build.ts';
import { buildSteps } from '../../src/engine/steps.ts';
import { KfcError } from '../../src/errors.ts';
import { generateImage } from '../../src/generate/generate.ts';
import { writeOutput } from '../../src/generate/write.ts';

const dir = mkdtempSync(join(tmpdir(), 'kfc-build-fake-'));
after(() => rmSync(dir, { recursive: true, force: true }));
cpSync(resolve(import.meta.dirname, '../fixtures/mini'), dir, { recursive: true });
const catalog = loadCatalog(dir);
writeOutput(catalog);
const ca = join(dir, 'ca.pem');
writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');

interface Call {
  args: string[];
}

/** A fake engine: records each build's arguments and plays BuildKit plain-progress lines. */
function fakeEngine(builds: Call[], lines: (args: string[]) => { out: string[]; exit: number }) {
  const bases: string[] = [];
  const engine: BuildEngine = {
    client: async () => ({ bin: 'docker', mode: 'builtin', clientVersion: '20.10.24' }),
    sources: async () => ({ debian: true }),
    ensureBase: async (base) => {
      bases.push(base.image);
      return { created: false };
    },
    build: async (_client, args, onLine) => {
      builds.push({ args });
      const { out, exit } = lines(args);
      for (const l of out) onLine(l);
      return exit;
    },
    inspect: async (ref) => ({
      id: `sha256:${ref}`,
      size: 1e9,
      labels: {},
      tags: [ref],
      layers: [],
      created: '',
      env: [],
    }),
  };
  return { engine, bases };
}

const ok = () => ({ out: ['#5 [1/2] FROM x', '#6 [2/2] RUN true', '#6 CACHED'], exit: 0 });
const option = (args: string[], name: string) => args.flatMap((a, i) => (args[i - 1] === name ? [a] : []));

describe('buildImages with a fake engine', () => {
  test('builds parents first, each with its labels, build args, CA secret and the registry cache chain', async () => {
    const builds: Call[] = [];
    const { engine, bases } = fakeEngine(builds, ok);
    const nodes = ['mini-grand', 'mini-child'].map((n) => catalog.nodes.get(n)!);
    const results = await buildImages(catalog, nodes, {
      engine,
      tag: 't',
      repo: 'reg.example/kfc',
      caBundle: ca,
      registryCache: 'read',
      progress: 'quiet',
      log: () => {},
    });
    assert.deepEqual(
      results.map((r) => [r.image, r.ref, r.cachedSteps, r.steps]),
      [
        ['mini-child', 'reg.example/kfc/mini-child:t', 1, 2],
        ['mini-grand', 'reg.example/kfc/mini-grand:t', 1, 2],
      ],
    );
    assert.deepEqual(bases, ['debian:trixie-20250520-slim'], 'the root base is ensured once');
    const grand = builds[1]!.args;
    assert.deepEqual(option(grand, '-t'), ['reg.example/kfc/mini-grand:t']);
    assert.deepEqual(option(grand, '--secret'), [`id=ca,src=${ca}`]);
    assert.deepEqual(option(grand, '--cache-from'), [
      'type=registry,ref=reg.example/kfc/mini-grand:buildcache',
      'type=registry,ref=reg.example/kfc/mini-child:buildcache',
      'type=registry,ref=reg.example/kfc/mini-root:buildcache',
    ]);
    assert.deepEqual(option(grand, '--cache-to'), [], 'read mode exports nothing');
    assert.ok(option(grand, '--label').includes('org.kfc.parent=mini-child'));
    assert.equal(grand.at(-1), join(dir, 'output', 'mini-grand'), 'the generated context');
  });

  test('a failing RUN is reported at its bit and line, exit code 1', async () => {
    const child = catalog.nodes.get('mini-child')!;
    const gen = generateImage(catalog, child);
    const steps = buildSteps(gen.dockerfile, gen.origins);
    const k = steps.findIndex((s) => s.keyword === 'RUN' && s.origin.file.endsWith('mini-tool.Dockerfile')) + 1;
    assert.ok(k > 0, 'the fixture has a RUN in mini-tool');
    const fail = () => ({
      out: [
        `#9 [${k}/${steps.length}] RUN /opt/tool/lib/helper.sh --install`,
        '#9 ERROR: process did not complete successfully: exit code: 1',
      ],
      exit: 1,
    });
    const { engine } = fakeEngine([], fail);
    await assert.rejects(
      buildImages(catalog, [child], { engine, tag: 't', progress: 'quiet', log: () => {} }),
      (e: unknown) =>
        e instanceof KfcError &&
        e.exitCode === 1 &&
        e.where === 'docker-bits/mini-tool.Dockerfile:3' &&
        new RegExp(`failed at step ${k}: ERROR: process did not complete`).test(e.message),
    );
  });

  test('--registry-cache without a registry is refused before any build', async () => {
    const builds: Call[] = [];
    const { engine } = fakeEngine(builds, ok);
    await assert.rejects(
      buildImages(catalog, [catalog.nodes.get('mini-child')!], { engine, registryCache: 'read', log: () => {} }),
      /--registry-cache needs a registry/,
    );
    assert.equal(builds.length, 0);
  });

  test('the second build shows estimates from the first; a corrupt history only means no estimate', async () => {
    const child = catalog.nodes.get('mini-child')!;
    const n = buildSteps(generateImage(catalog, child).dockerfile, generateImage(catalog, child).origins).length;
    const ran = () => ({ out: [`#9 [${n}/${n}] RUN make`, '#9 DONE 7.5s'], exit: 0 });
    const history = join(dir, '.kfc', 'build-history.json');
    writeFileSync(history, '{ torn write');
    const run = async () => {
      const lines: string[] = [];
      const { engine } = fakeEngine([], ran);
      await buildImages(catalog, [child], { engine, tag: 't', log: (l) => lines.push(l) });
      return lines.join('\n');
    };
    const first = await run();
    assert.doesNotMatch(first, /last run/);
    assert.match(first, new RegExp(`^\\d\\d:\\d\\d:\\d\\d {3}mini-child: step ${n}/${n} RUN .* done in 7\\.5 s$`, 'm'));
    const second = await run();
    assert.match(second, /kfc build: \[1\/1\] mini-child \(last run: 8s for 1 of \d+ steps\)/);
    assert.match(second, new RegExp(`step ${n}/${n} RUN \\S+ \\(last run 7\\.5 s\\) done in 7\\.5 s`));
    assert.match(second, /^\d\d:\d\d:\d\d │ image +│ time │ cached steps │ +size │$/m, 'the final table');
  });
});
