/**
 * buildImages (kfc build's one path) against a fake machine: the bake file it writes, the buildx
 * arguments, builder rules, and what it makes of buildx's rawjson progress (steps, shared steps,
 * failures, estimates).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import type { BakeFile } from '../../src/bake/bake.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { type BuildEngine, type BuildOptions, buildImages } from '../../src/engine/build.ts';
import type { BuilderInfo } from '../../src/engine/buildx.ts';
import type { SolveStatus, Vertex } from '../../src/engine/solve-status.ts';
import { buildSteps } from '../../src/engine/steps.ts';
import { KfcError } from '../../src/errors.ts';
import { generateImage } from '../../src/generate/generate.ts';
import { writeOutput } from '../../src/generate/write.ts';
import { bitLine } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'kfc-build-fake-'));
after(() => rmSync(dir, { recursive: true, force: true }));
cpSync(resolve(import.meta.dirname, '../fixtures/mini'), dir, { recursive: true });
const catalog = loadCatalog(dir);
writeOutput(catalog);
const ca = join(dir, 'ca.pem');
writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
const node = (name: string) => catalog.nodes.get(name)!;
const stepsOf = (name: string) => {
  const gen = generateImage(catalog, node(name));
  return buildSteps(gen.dockerfile, gen.origins);
};

const LOCAL: BuilderInfo = { name: 'default', driver: 'docker', buildkit: 'v0.8+unknown' };
const REMOTE: BuilderInfo = { name: 'remote-kfc', driver: 'remote', buildkit: 'v0.34.2' };

interface Run {
  args: string[];
  env: Record<string, string>;
  file: BakeFile;
}

const T0 = Date.parse('2026-12-06T12:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
let digests = 0;

/** A vertex of step k of a target, as buildx names it in a run of several targets. */
function step(target: string, k: number, n: number, what: string, v: Partial<Vertex> = {}) {
  return {
    digest: `sha256:${(++digests).toString(16).padStart(64, '0')}`,
    name: `[${target} ${k}/${n}] ${what}`,
    ...v,
  };
}

/** Every step of the targets, cached; then each target's export. */
function allCached(file: BakeFile): SolveStatus[] {
  const out: SolveStatus[] = [];
  for (const target of Object.keys(file.target)) {
    const n = stepsOf(target).length;
    const vertexes = stepsOf(target).map((s, i) =>
      step(target, i + 1, n, s.keyword, { started: at(1), completed: at(1), cached: s.keyword !== 'FROM' }),
    );
    out.push({ vertexes });
    out.push({
      vertexes: [{ digest: 'sha256:e', name: `[${target}] exporting to image`, started: at(1), completed: at(2) }],
    });
  }
  return out;
}

/** buildx's stderr: pretty-printed JSON objects one after another, then its own plain lines. */
function stderrOf(statuses: SolveStatus[], tail: string[] = []): string {
  return statuses.map((s) => `${JSON.stringify(s, null, 2)}\n`).join('') + tail.map((l) => `${l}\n`).join('');
}

/** A fake machine: records each bake (its arguments and file) and plays rawjson progress. */
function fakeEngine(
  runs: Run[],
  play: (file: BakeFile) => { statuses: SolveStatus[]; tail?: string[]; exit: number } = (file) => ({
    statuses: allCached(file),
    exit: 0,
  }),
  builder: BuilderInfo = LOCAL,
) {
  const calls = { bases: [] as string[], engine: 0, inspected: [] as string[] };
  const engine: BuildEngine = {
    buildx: async () => ['/usr/libexec/kfc/docker-buildx'],
    builder: async (_bx, name) => ({ ...builder, name }),
    requireEngine: async () => void calls.engine++,
    sources: async () => ({ debian: true }),
    ensureBase: async (base) => {
      calls.bases.push(base.image);
      return { created: false };
    },
    bake: async (_bx, args, env, onOutput) => {
      const file = JSON.parse(readFileSync(args[args.indexOf('-f') + 1]!, 'utf8')) as BakeFile;
      runs.push({ args, env, file });
      const { statuses, tail, exit } = play(file);
      const text = stderrOf(statuses, tail);
      // In uneven chunks, as a pipe delivers them.
      for (let i = 0; i < text.length; i += 97) onOutput(text.slice(i, i + 97));
      const meta = args[args.indexOf('--metadata-file') + 1]!;
      const digests = Object.fromEntries(
        Object.keys(file.target).map((t) => [t, { 'containerimage.config.digest': `sha256:config-${t}` }]),
      );
      writeFileSync(meta, JSON.stringify(digests));
      return exit;
    },
    inspect: async (ref) => {
      calls.inspected.push(ref);
      return { id: `sha256:${ref}`, size: 1e9, labels: {}, tags: [ref], layers: [], created: '', env: [] };
    },
  };
  return { engine, calls };
}

const quiet = (engine: BuildEngine, more: BuildOptions = {}): BuildOptions => ({
  engine,
  tag: 't',
  progress: 'quiet',
  log: () => {},
  ...more,
});

describe('buildImages: one buildx bake run', () => {
  test('the images and their ancestors, tagged, with labels, build args, the CA secret and its cache', async () => {
    const runs: Run[] = [];
    const { engine, calls } = fakeEngine(runs);
    const results = await buildImages(
      catalog,
      [node('mini-grand')],
      quiet(engine, { repo: 'reg.example/kfc', caBundle: ca, registryCache: 'read', buildArgs: { X: '1' } }),
    );
    assert.equal(runs.length, 1, 'one bake run for the whole chain');
    const { args, file } = runs[0]!;
    assert.deepEqual(args.slice(0, 3), ['--builder', 'default', 'bake']);
    assert.ok(args.includes('rawjson'), 'machine-readable progress');
    assert.deepEqual(args.slice(-3), ['mini-root', 'mini-child', 'mini-grand']);
    assert.deepEqual(calls.bases, ['debian:trixie-20250520-slim'], 'the root base is ensured once');
    const grand = file.target['mini-grand']!;
    assert.deepEqual(grand.tags, ['reg.example/kfc/mini-grand:t']);
    assert.deepEqual(file.target['mini-root']!.tags, ['reg.example/kfc/mini-root:t'], 'internal stages tagged too');
    assert.deepEqual(grand.secret, [`id=ca,src=${ca}`]);
    // Its own cache only: the ancestors are targets of the same run and import theirs.
    assert.deepEqual(grand['cache-from'], ['type=registry,ref=reg.example/kfc/mini-grand:buildcache']);
    assert.deepEqual(file.target['mini-root']!['cache-from'], [
      'type=registry,ref=reg.example/kfc/mini-root:buildcache',
    ]);
    assert.deepEqual(grand['cache-to'], [], 'read mode exports nothing');
    assert.deepEqual(grand.output, ['type=docker'], 'loaded into the engine');
    assert.equal(grand.args.X, '1');
    assert.equal(grand.labels['org.kfc.parent'], 'mini-child');
    assert.equal(grand.labels['org.opencontainers.image.version'], 't');
    assert.equal(grand.context, join(dir, 'output', 'mini-grand'), 'the generated context');
    assert.deepEqual(
      results.map((r) => [r.image, r.ref, r.cachedSteps, r.steps, r.id]),
      ['mini-root', 'mini-child', 'mini-grand'].map((n) => {
        const steps = stepsOf(n).length;
        return [n, `reg.example/kfc/${n}:t`, steps - 1, steps, `sha256:reg.example/kfc/${n}:t`];
      }),
    );
  });

  test('a failing RUN is reported at its bit and line, not the cancellations it caused', async () => {
    const steps = stepsOf('mini-child');
    const k = steps.findIndex((s) => s.keyword === 'RUN' && s.origin.file.endsWith('mini-tool.Dockerfile')) + 1;
    assert.ok(k > 0, 'the fixture has a RUN in mini-tool');
    const fail = () => ({
      statuses: [
        {
          vertexes: [step('mini-root', 2, 5, 'COPY', { started: at(0), completed: at(3), error: 'context canceled' })],
        },
        { vertexes: [step('mini-child', k, steps.length, 'RUN helper.sh', { started: at(1) })] },
        {
          vertexes: [
            step('mini-child', k, steps.length, 'RUN helper.sh', {
              started: at(1),
              completed: at(2),
              error: 'process "/bin/sh -c helper.sh" did not complete successfully: exit code: 1',
            }),
          ],
        },
      ],
      tail: ['ERROR: failed to solve: process did not complete successfully'],
      exit: 1,
    });
    const { engine } = fakeEngine([], fail);
    await assert.rejects(
      buildImages(catalog, [node('mini-child')], quiet(engine)),
      (e: unknown) =>
        e instanceof KfcError &&
        e.exitCode === 1 &&
        e.where === bitLine(dir, 'mini-tool', 'RUN ') &&
        new RegExp(`^build of mini-child failed at step ${k}: process "/bin/sh -c helper.sh" did not`).test(e.message),
    );
  });

  test('a failure outside any step is reported with buildx’s own line, at the bake file', async () => {
    const fail = () => ({ statuses: [], tail: ['ERROR: failed to solve: pull access denied'], exit: 1 });
    const { engine } = fakeEngine([], fail);
    await assert.rejects(
      buildImages(catalog, [node('mini-child')], quiet(engine)),
      (e: unknown) =>
        e instanceof KfcError &&
        /failed: failed to solve: pull access denied/.test(e.message) &&
        Boolean(e.where?.endsWith('bake.json')),
    );
  });

  test('a step the parent and child share counts once, under the parent, for both', async () => {
    const root = stepsOf('mini-root');
    const child = stepsOf('mini-child');
    const lines: string[] = [];
    // BuildKit merged the child's copy of the shared steps: only the child's target reports them.
    const play = () => ({
      statuses: [
        {
          vertexes: child.map((s, i) =>
            step('mini-child', i + 1, child.length, s.keyword, { started: at(1), completed: at(3 + i) }),
          ),
        },
        {
          vertexes: [{ digest: 'sha256:e', name: '[mini-root] exporting to image', started: at(9), completed: at(9) }],
        },
        {
          vertexes: [{ digest: 'sha256:e', name: '[mini-child] exporting to image', started: at(9), completed: at(9) }],
        },
      ],
      exit: 0,
    });
    const { engine } = fakeEngine([], play);
    const results = await buildImages(catalog, [node('mini-child')], {
      engine,
      tag: 't',
      progress: 'lines',
      log: (l) => lines.push(l),
    });
    const text = lines.join('\n');
    for (const [i, s] of root.entries()) {
      const owned = new RegExp(`mini-root: step ${i + 1}/${root.length} ${s.keyword}`);
      assert.match(text, owned, `step ${i + 1} under the parent`);
    }
    assert.doesNotMatch(text, new RegExp(`mini-child: step [1-${root.length}]/`), 'a shared step is shown once');
    assert.match(text, new RegExp(`mini-child: step ${child.length}/${child.length} RUN`));
    assert.deepEqual(
      results.map((r) => [r.image, r.cachedSteps]),
      [
        ['mini-root', 0],
        ['mini-child', 0],
      ],
    );
    const history = JSON.parse(readFileSync(join(dir, '.kfc', 'build-history.json'), 'utf8'));
    assert.equal(Object.keys(history.images['mini-root'].steps).length, root.length, 'the parent learns its durations');
    assert.equal(Object.keys(history.images['mini-child'].steps).length, child.length);
  });

  test('--registry-cache without a registry is refused before any build', async () => {
    const runs: Run[] = [];
    const { engine } = fakeEngine(runs);
    await assert.rejects(
      buildImages(catalog, [node('mini-child')], quiet(engine, { registryCache: 'read' })),
      /--registry-cache needs a registry/,
    );
    assert.equal(runs.length, 0);
  });

  test("the local engine's builder cannot export a cache; a remote builder writes the chain's", async () => {
    const runs: Run[] = [];
    const write: BuildOptions = { repo: 'reg.example/kfc', registryCache: 'write' };
    await assert.rejects(
      buildImages(catalog, [node('mini-child')], quiet(fakeEngine(runs).engine, write)),
      /the local engine's builder cannot export a build cache \(type=registry,ref=reg\.example\/kfc\/mini-root:build/,
    );
    assert.equal(runs.length, 0);
    const remote = fakeEngine(runs, undefined, REMOTE);
    await buildImages(catalog, [node('mini-child')], quiet(remote.engine, { ...write, builder: 'remote-kfc' }));
    assert.deepEqual(runs[0]!.args.slice(0, 2), ['--builder', 'remote-kfc']);
    assert.deepEqual(runs[0]!.file.target['mini-child']!['cache-to'], [
      'type=registry,ref=reg.example/kfc/mini-child:buildcache,mode=max',
    ]);
  });

  test('--push on a remote builder: not loaded; IDs from buildx’s metadata; bases from a registry', async () => {
    const runs: Run[] = [];
    const { engine, calls } = fakeEngine(runs, undefined, REMOTE);
    const results = await buildImages(
      catalog,
      [node('mini-child')],
      quiet(engine, {
        builder: 'remote-kfc',
        repo: '127.0.0.1:5000/kfc',
        push: true,
        load: false,
        baseRefs: { trixie: '127.0.0.1:5000/debian:trixie' },
      }),
    );
    const t = runs[0]!.file.target['mini-child']!;
    assert.deepEqual(t.output, ['type=registry']);
    assert.deepEqual(t.contexts, { 'debian:trixie-20250520-slim': 'docker-image://127.0.0.1:5000/debian:trixie' });
    assert.deepEqual(calls.bases, [], 'a mapped base is not made locally');
    assert.equal(calls.engine, 0, 'no engine needed');
    assert.deepEqual(calls.inspected, []);
    assert.deepEqual(
      results.map((r) => [r.id, r.size]),
      [
        ['sha256:config-mini-root', 0],
        ['sha256:config-mini-child', 0],
      ],
    );
    await buildImages(catalog, [node('mini-child')], quiet(engine, { builder: 'remote-kfc', push: true, load: true }));
    assert.deepEqual(runs[1]!.file.target['mini-child']!.output, ['type=docker', 'type=registry']);
  });

  test("--base-ref is refused on the Docker 20.10 engine's BuildKit (no named contexts)", async () => {
    const { engine } = fakeEngine([]);
    await assert.rejects(
      buildImages(catalog, [node('mini-child')], quiet(engine, { baseRefs: { trixie: 'r.example/debian:trixie' } })),
      /builder "default" \(BuildKit v0\.8\+unknown\) cannot take --base-ref/,
    );
  });

  test('--docker-arg: docker build options land in every target; one without a bake field is refused', async () => {
    const runs: Run[] = [];
    const { engine } = fakeEngine(runs);
    const extraArgs = ['--pull', '--build-arg', 'A=b', '--label=x=y', '--no-cache'];
    await buildImages(catalog, [node('mini-child')], quiet(engine, { extraArgs }));
    const t = runs[0]!.file.target['mini-child']!;
    assert.equal(t.pull, true);
    assert.equal(t.args.A, 'b');
    assert.equal(t.labels.x, 'y');
    assert.ok(runs[0]!.args.includes('--no-cache'));
    await assert.rejects(
      buildImages(catalog, [node('mini-child')], quiet(engine, { extraArgs: ['--network', 'host'] })),
      /--docker-arg --network: kfc build has no buildx bake equivalent/,
    );
  });

  test('the second build shows estimates from the first; a corrupt history only means no estimate', async () => {
    rmSync(join(dir, '.kfc'), { recursive: true, force: true });
    const n = stepsOf('mini-child').length;
    const ran = () => ({
      statuses: [
        { vertexes: [step('mini-child', n, n, 'RUN make', { started: at(0) })] },
        { vertexes: [step('mini-child', n, n, 'RUN make', { started: at(0), completed: at(7.5) })] },
      ],
      exit: 0,
    });
    const history = join(dir, '.kfc', 'build-history.json');
    const run = async () => {
      const lines: string[] = [];
      const { engine } = fakeEngine([], ran);
      await buildImages(catalog, [node('mini-child')], { engine, tag: 't', log: (l) => lines.push(l) });
      return lines.join('\n');
    };
    const first = await run();
    assert.doesNotMatch(first, /last run/);
    assert.match(first, new RegExp(`^\\d\\d:\\d\\d:\\d\\d {3}mini-child: step ${n}/${n} RUN .* done in 7\\.5 s$`, 'm'));
    const second = await run();
    assert.match(second, /kfc build: \[2\/2\] mini-child \(last run: 8s for 1 of \d+ steps\)/);
    assert.match(second, new RegExp(`step ${n}/${n} RUN \\S+ \\(last run 7\\.5 s\\) done in 7\\.5 s`));
    assert.match(second, /^\d\d:\d\d:\d\d │ image +│ time │ cached steps │ +size │$/m, 'the final table');
    writeFileSync(history, '{ torn write');
    assert.doesNotMatch(await run(), /last run/);
  });
});
