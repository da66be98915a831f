// `kfc test`'s result cache end to end on the engine fixture (busybox httpd on kfc/debian:trixie) and
// a child image of it, in a temporary copy of the fixture catalog: the first run executes, a second is
// served from the cache (never silently), --no-result-cache and KFC_TEST_CACHE=off run again and store
// nothing, an uncached suite always runs, a rebuild with a changed layer invalidates the image's entries
// and its descendant's, and an unwritable cache directory is one warning line on a passing run.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { DOCKER, engineAnswers } from '../../src/testing/engine-check.ts';
import { needs } from '../../src/testing/parts.ts';
import { removeImagesBuiltUnder } from './built-under-tag.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const engineUp = await engineAnswers();
const baseUp =
  engineUp && (await execa(DOCKER, ['image', 'inspect', 'kfc/debian:trixie'], { reject: false })).exitCode === 0;
const CA = '/etc/ssl/certs/ca-certificates.crt';

const work = mkdtempSync(join(tmpdir(), 'kfc-rcache-'));
const root = join(work, 'catalog');
const repo = 'kfc-rcache-it';
const tag = `it-${randomBytes(3).toString('hex')}`;
const images = ['fixture', 'fixture-child'];
const made = new Set<string>();

function kfc(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', root, ...args], {
    reject: false,
    all: true,
    env: { KFC_CACHE_DIR: join(work, 'cache'), ...env },
  });
}

const test_ = (cacheDir: string, ...flags: string[]) =>
  kfc(['test', ...images, '--repo', repo, '--tag', tag, ...flags], { KFC_CACHE_DIR: cacheDir });

async function build(): Promise<Record<string, string>> {
  const ca = existsSync(CA) ? ['--ca-bundle', CA] : [];
  const r = await kfc(['build', ...images, '--repo', repo, '--tag', tag, '--progress', 'quiet', ...ca]);
  assert.equal(r.exitCode, 0, r.all);
  const ids: Record<string, string> = {};
  for (const i of images) {
    const id = (await execa(DOCKER, ['image', 'inspect', '-f', '{{.Id}}', `${repo}/${i}:${tag}`])).stdout.trim();
    ids[i] = id;
    made.add(id);
  }
  return ids;
}

const SUMMARY = new RegExp(
  '^kfc test: (\\S+): (\\d+) passed, (\\d+) failed, (\\d+) skipped ' +
    '\\((\\d+) of (\\d+) files cached(?:, \\d+ deferred)?(?:, \\d+ earlier in this run)?\\) in [\\d.]+ s$',
);

/** The summary line of each image: [passed, failed, skipped, cached, files]. */
function summaries(stdout: string): Record<string, number[]> {
  const s: Record<string, number[]> = {};
  for (const l of stdout.split('\n')) {
    const m = SUMMARY.exec(l);
    if (m) s[m[1]!] = m.slice(2, 7).map(Number);
  }
  return s;
}

const lines = (out: string, re: RegExp) => out.split('\n').filter((l) => re.test(l));
const entries = (dir: string) => (existsSync(join(dir, 'test')) ? readdirSync(join(dir, 'test')).sort() : []);

describe('kfc test result cache (engine fixture)', {
  skip: needs(
    (!engineUp && 'no Docker engine answers (run scripts/provision.sh)') ||
      (!baseUp && 'no root base kfc/debian:trixie (kfc base)'),
  ),
}, () => {
  let ids: Record<string, string> = {};
  const cache = join(work, 'cache');

  before(async () => {
    cpSync(join(repoRoot, 'tests/fixtures/engine'), root, { recursive: true });
    // The copy lives outside the repository: an ES module package, whose suite imports the harness by
    // absolute path.
    writeFileSync(join(root, 'package.json'), '{ "type": "module", "private": true }\n');
    const serve = join(root, 'tests/images/fixture/serve.test.ts');
    writeFileSync(
      serve,
      readFileSync(serve, 'utf8').replace(
        /'(\.\.\/)+src\/testing\/container\.ts'/,
        `'${repoRoot}src/testing/container.ts'`,
      ),
    );
    // A suite that declares itself uncached: it runs every time.
    writeFileSync(
      join(root, 'tests/images/fixture/clock.test.ts'),
      [
        '// kfc-test: uncached: reads the clock',
        "import assert from 'node:assert/strict';",
        "import { test } from 'node:test';",
        "test('the clock moves', () => assert.ok(Date.now() > 0));",
        '',
      ].join('\n'),
    );
    // A child image: it inherits the fixture's suites.
    writeFileSync(join(root, 'docker-bits/fixture-child.Dockerfile'), 'LABEL org.kfc.test.child=yes\n');
    writeFileSync(
      join(root, 'images.yaml'),
      `${readFileSync(join(root, 'images.yaml'), 'utf8')}  fixture-child:\n    extends: fixture\n` +
        '    description: Child of the engine fixture\n    bits: [fixture-child]\n',
    );
    const g = await kfc(['generate']);
    assert.equal(g.exitCode, 0, g.all);
    ids = await build();
  });

  after(async () => {
    for (const i of images) await execa(DOCKER, ['rmi', `${repo}/${i}:${tag}`], { reject: false });
    for (const id of made) await execa(DOCKER, ['rmi', id], { reject: false });
    // Every image built here carries the run's tag as its version label, the ones rebuilds left dangling too.
    await removeImagesBuiltUnder([tag]);
    rmSync(work, { recursive: true, force: true });
  });

  test('the first run executes every file and stores the passing cacheable ones', async () => {
    const r = await test_(cache);
    assert.equal(r.exitCode, 0, r.all);
    assert.deepEqual(summaries(r.stdout), { fixture: [4, 0, 0, 0, 2], 'fixture-child': [4, 0, 0, 0, 2] }, r.all);
    for (const i of images) {
      assert.equal(lines(r.stdout, new RegExp(`^kfc test: ${i}: ran fixture/serve\\.test\\.ts .*stored as`)).length, 1);
      assert.equal(
        lines(r.stdout, new RegExp(`^kfc test: ${i}: uncached fixture/clock\\.test\\.ts \\(reads the clock\\)$`))
          .length,
        1,
      );
    }
    assert.equal(lines(r.stdout, /: cached /).length, 0);
    assert.equal(entries(cache).length, 2, 'one entry per image for serve.test.ts, none for the uncached file');
  });

  test('a second run is served from the cache, each hit on its own line; the uncached file runs again', async () => {
    const r = await test_(cache);
    assert.equal(r.exitCode, 0, r.all);
    for (const i of images) {
      const hit = lines(
        r.stdout,
        new RegExp(`^kfc test: ${i}: cached fixture/serve\\.test\\.ts \\(key [0-9a-f]{12}, `),
      );
      assert.equal(hit.length, 1, r.stdout);
      assert.match(hit[0]!, /stored \d{4}-\d\d-\d\dT\d\d:\d\dZ\): 3 passed, 0 skipped$/);
      assert.equal(lines(r.stdout, new RegExp(`^kfc test: ${i}: uncached fixture/clock`)).length, 1);
    }
    assert.equal(lines(r.stdout, /ran fixture\/serve/).length, 0, 'a cached file ran');
    assert.doesNotMatch(r.stdout, /serves the readiness path/, 'the cached suite printed test output');
    assert.deepEqual(summaries(r.stdout), { fixture: [4, 0, 0, 1, 2], 'fixture-child': [4, 0, 0, 1, 2] });
  });

  test('--no-result-cache and KFC_TEST_CACHE=off run everything and store nothing', async () => {
    const before = entries(cache).map((e) => readFileSync(join(cache, 'test', e), 'utf8'));
    for (const [flags, env] of [
      [['--no-result-cache'], {}],
      [[], { KFC_TEST_CACHE: 'off' }],
    ] as const) {
      const r = await kfc(['test', ...images, '--repo', repo, '--tag', tag, ...flags], { ...env });
      assert.equal(r.exitCode, 0, r.all);
      assert.equal(lines(r.stdout, /: cached /).length, 0, r.stdout);
      assert.equal(lines(r.stdout, /: ran fixture\/serve\.test\.ts /).length, 2);
      assert.doesNotMatch(r.stdout, /stored as/);
      assert.deepEqual(summaries(r.stdout), { fixture: [4, 0, 0, 0, 2], 'fixture-child': [4, 0, 0, 0, 2] });
    }
    assert.deepEqual(
      entries(cache).map((e) => readFileSync(join(cache, 'test', e), 'utf8')),
      before,
      'the entries changed',
    );
  });

  test('a rebuild with a changed layer invalidates the image and its descendant', async () => {
    const sh = join(root, 'resources/fixture/serve.sh');
    writeFileSync(sh, `${readFileSync(sh, 'utf8')}# changed layer ${tag}\n`);
    assert.equal((await kfc(['generate'])).exitCode, 0);
    const rebuilt = await build();
    for (const i of images) assert.notEqual(rebuilt[i], ids[i], `${i} kept its image ID`);
    const r = await test_(cache);
    assert.equal(r.exitCode, 0, r.all);
    assert.equal(lines(r.stdout, /: cached /).length, 0, `entries of the old image IDs were served:\n${r.stdout}`);
    for (const i of images) assert.equal(lines(r.stdout, new RegExp(`^kfc test: ${i}: ran fixture/serve`)).length, 1);
    assert.equal(entries(cache).length, 4, 'the new image IDs are stored beside the old ones');
    const again = await test_(cache);
    assert.deepEqual(summaries(again.stdout), { fixture: [4, 0, 0, 1, 2], 'fixture-child': [4, 0, 0, 1, 2] });
  });

  test('--not-alone without a run id defers the uncached file; the full pass finds the kept one cached', async () => {
    const early = join(work, 'cache-early');
    const r = await test_(early, '--not-alone');
    assert.equal(r.exitCode, 0, r.all);
    for (const i of images) {
      assert.equal(lines(r.stdout, new RegExp(`^kfc test: ${i}: ran fixture/serve\\.test\\.ts .*stored as`)).length, 1);
      assert.equal(
        lines(r.stdout, new RegExp(`^kfc test: ${i}: deferred fixture/clock\\.test\\.ts \\(reads the clock\\)$`))
          .length,
        1,
      );
      assert.match(
        r.stdout,
        new RegExp(`^kfc test: ${i}: 3 passed, 0 failed, 0 skipped \\(0 of 2 files cached, 1 deferred\\)`, 'm'),
      );
    }
    assert.doesNotMatch(r.stdout, /the clock moves/, 'the deferred file ran');
    const full = await test_(early);
    assert.equal(full.exitCode, 0, full.all);
    assert.deepEqual(summaries(full.stdout), { fixture: [4, 0, 0, 1, 2], 'fixture-child': [4, 0, 0, 1, 2] });
    const off = await test_(early, '--not-alone', '--no-result-cache');
    assert.equal(off.exitCode, 2, off.all);
    assert.match(
      off.stderr.trim(),
      /^kfc: error: --not-alone keeps results for a later pass, but the result cache is off/,
    );
    assert.equal(off.stderr.trim().split('\n').length, 1, off.stderr);
  });

  test("--run-id: the uncached file runs in the pass beside, and only that run's later pass counts it", async () => {
    const dir = join(work, 'cache-run-id');
    const first = await test_(dir, '--not-alone', '--run-id', 'it-1');
    assert.equal(first.exitCode, 0, first.all);
    for (const i of images) {
      assert.equal(
        lines(
          first.stdout,
          new RegExp(`^kfc test: ${i}: ran fixture/clock\\.test\\.ts .*kept for this run's later pass \\(run it-1\\)$`),
        ).length,
        1,
        first.stdout,
      );
      assert.match(
        first.stdout,
        new RegExp(`^kfc test: ${i}: 4 passed, 0 failed, 0 skipped \\(0 of 2 files cached\\)`, 'm'),
      );
    }
    const later = await test_(dir, '--run-id', 'it-1');
    assert.equal(later.exitCode, 0, later.all);
    assert.doesNotMatch(later.stdout, /the clock moves/, 'the clock file ran again in the same run');
    for (const i of images) {
      assert.match(
        later.stdout,
        new RegExp(
          `^kfc test: ${i}: earlier in this run fixture/clock\\.test\\.ts \\(run it-1, passed [^)]+\\): 1 passed`,
          'm',
        ),
      );
      assert.match(
        later.stdout,
        new RegExp(
          `^kfc test: ${i}: 4 passed, 0 failed, 0 skipped \\(1 of 2 files cached, 1 earlier in this run\\)`,
          'm',
        ),
      );
    }
    // Another run, or no run id: the clock file runs again.
    for (const flags of [['--run-id', 'it-2'], []]) {
      const other = await test_(dir, ...flags);
      assert.equal(other.exitCode, 0, other.all);
      assert.equal(
        lines(other.stdout, /: uncached fixture\/clock\.test\.ts \(reads the clock\)$/).length,
        2,
        other.stdout,
      );
    }
    const bad = await test_(dir, '--run-id', 'two words');
    assert.equal(bad.exitCode, 2, bad.all);
    assert.match(bad.stderr.trim(), /^kfc: error: --run-id "two words" is not a run id \(fix: /);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  });

  test('an unwritable cache directory: one clear line, and the run passes without a cache', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'not a directory');
    const r = await test_(join(file, 'cache'));
    assert.equal(r.exitCode, 0, r.all);
    const warnings = lines(r.stderr, /result cache/);
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(
      warnings[0]!,
      /^kfc: warning: result cache .*a-file\/cache\/test is not writable \(ENOTDIR\): running without it \(fix: /,
    );
    assert.equal(lines(r.stdout, /: cached |stored as/).length, 0);
    assert.deepEqual(summaries(r.stdout), { fixture: [4, 0, 0, 0, 2], 'fixture-child': [4, 0, 0, 0, 2] });
  });
});
