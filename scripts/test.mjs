#!/usr/bin/env node
// The one test command (`npm test`): unit tests, then engine integration tests, then the images
// CI builds with their inherited suites and report gates. KFC_TEST_SCOPE=unit|integration|images
// (comma-separated) runs a part. Ends with one "N passed, N failed" line over all parts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const scope = (process.env.KFC_TEST_SCOPE ?? 'unit,integration,images').split(',').map((s) => s.trim());
const unknownScope = scope.filter((s) => !['unit', 'integration', 'images'].includes(s));
if (unknownScope.length) {
  process.stderr.write(`KFC_TEST_SCOPE: unknown part(s) ${unknownScope.join(', ')} (fix: unit, integration, images)\n`);
  process.exit(2);
}
const caBundle =
  process.env.KFC_CA_BUNDLE ??
  (existsSync('/etc/ssl/certs/ca-certificates.crt') ? '/etc/ssl/certs/ca-certificates.crt' : '');

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];

/** summaries: 'last' (one node:test run) or 'sum' (a command that runs several, e.g. suites per image). */
function run(label, cmd, args, env = {}, summaries = 'last') {
  return new Promise((resolve) => {
    process.stdout.write(`\n==== ${label}: ${cmd} ${args.join(' ')}\n`);
    const t0 = Date.now();
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on('close', (code) => {
      // node:test's spec reporter ends with "ℹ pass N" / "ℹ fail N" / "ℹ skipped N".
      const count = (name) => {
        const all = [...out.matchAll(new RegExp(`^ℹ ${name} (\\d+)$`, 'gm'))].map((m) => Number(m[1]));
        if (!all.length) return NaN;
        return summaries === 'sum' ? all.reduce((a, b) => a + b, 0) : all[0];
      };
      const p = count('pass');
      const f = count('fail');
      const s = count('skipped');
      if (!Number.isNaN(p)) {
        passed += p;
        failed += f || 0;
        skipped += s || 0;
      }
      if (code !== 0) {
        problems.push(`${label} (exit ${code})`);
        if (Number.isNaN(p) || !f) failed += 1; // a failure outside any test still counts
      }
      process.stdout.write(`==== ${label}: exit ${code} in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
      resolve(code);
    });
  });
}

const testFiles = (dir) =>
  existsSync(join(root, dir))
    ? readdirSync(join(root, dir))
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => join(dir, f))
    : [];
const nodeTest = (files, extra = []) => ['--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...files];
const kfc = (...args) => ['bin/kfc.js', ...args];

if (scope.includes('unit')) {
  await run('unit', process.execPath, nodeTest(testFiles('tests/unit')));
}
if (scope.includes('integration') || scope.includes('images')) {
  if (process.getuid?.() === 0) await run('provision', 'bash', ['scripts/provision.sh', '--all']);
}
if (scope.includes('integration') || scope.includes('images')) {
  // The root base first, so no integration test finds it missing on a fresh machine.
  await run('base', process.execPath, kfc('base'));
}
if (scope.includes('integration')) {
  await run('integration', process.execPath, nodeTest(testFiles('tests/integration'), ['--test-concurrency=1']));
}
/**
 * The images CI builds and tests: every published image the catalog says is buildable here
 * (`kfc list --json`); the others are generated, linted and refused precisely (integration tests).
 * KFC_TEST_IMAGES narrows the list (the GitHub workflow: one image per job); naming an image that
 * is not buildable here is a failure, never a silent skip.
 */
let catalogRows = [];
function catalogImages() {
  const res = spawnSync(process.execPath, kfc('list', '--json'), { cwd: root, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`kfc list --json failed (exit ${res.status}): ${res.stderr}`);
  const rows = JSON.parse(res.stdout);
  catalogRows = rows;
  const buildable = rows.filter((r) => r.publish && r.buildable.ok).map((r) => r.name);
  const wanted = (process.env.KFC_TEST_IMAGES ?? '').split(/\s+/).filter(Boolean);
  if (buildable.length === 0) {
    // Testing no image is not a pass: say what every published image lacks here.
    const why = rows.filter((r) => r.publish).map((r) => `${r.name}: ${r.buildable.missing.join('; ')}`);
    problems.push(`images: no published image is buildable here (${why.join(' | ')})`);
  }
  if (wanted.length === 0) return buildable;
  for (const name of wanted.filter((n) => !buildable.includes(n))) {
    const row = rows.find((r) => r.name === name);
    problems.push(
      `KFC_TEST_IMAGES: ${name} ` +
        (row ? `is not buildable here: ${row.buildable.missing.join('; ')}` : 'is not in images.yaml'),
    );
  }
  return wanted.filter((n) => buildable.includes(n));
}

if (scope.includes('images')) {
  const images = catalogImages();
  process.stdout.write(`\n==== images CI builds and tests here (from images.yaml): ${images.join(' ')}\n`);
  // KFC_TEST_TAG / KFC_TEST_REPO / KFC_TEST_BUILD_ARGS: the GitHub workflow's tag, registry and cache.
  const ref = [
    '--tag',
    process.env.KFC_TEST_TAG || 'ci',
    ...(process.env.KFC_TEST_REPO ? ['--repo', process.env.KFC_TEST_REPO] : []),
  ];
  const ca = caBundle ? ['--ca-bundle', caBundle] : [];
  const extra = (process.env.KFC_TEST_BUILD_ARGS ?? '').split(/\s+/).filter(Boolean);
  const built =
    images.length === 0 ? 1 : await run('build', process.execPath, kfc('build', ...images, ...ref, ...ca, ...extra));
  if (built === 0) {
    // docker buildx bake (kfc bake --build) of the same images at a tag of its own, right after the
    // build: every step must come from the cache kfc build left (tests/bake/), and its images go.
    await run('bake', process.execPath, nodeTest(['tests/bake/bake-build.test.ts']), {
      KFC_BAKE_IMAGES: images.join(' '),
      KFC_BAKE_WARM_TAG: process.env.KFC_TEST_TAG || 'ci',
      ...(caBundle ? { KFC_CA_BUNDLE: caBundle } : {}),
    });
    // A node's pull: the images whose test.nodePull is on (images.yaml) are pushed, with their
    // ancestors, to a throwaway htpasswd registry and pulled, parents first, into an empty second
    // engine (the node); the bytes of each pull are checked three ways and each image's suites run
    // against the node's pulled image. Their suites run there instead of here: once, on what a node
    // runs. The other images' suites run on this engine.
    const row = (name) => catalogRows.find((r) => r.name === name);
    const nodePulled = images.filter((name) => row(name)?.test?.nodePull !== false);
    const asRoot = process.getuid?.() === 0;
    const onNode = asRoot ? nodePulled : [];
    for (const image of images.filter((name) => !onNode.includes(name))) {
      await run(`test ${image}`, process.execPath, kfc('test', image, ...ref, '--json'));
    }
    await run('report gates', process.execPath, kfc('report', ...images, ...ref, '--check', '--starts', '5'));
    // The field's own tools judge the same images: dive vs kfc's figures and gates, Trivy's SBOM and
    // secret scan (vulnerabilities too when TRIVY_CACHE_DIR holds a DB), one saved archive each.
    const refereed = images.filter((name) => row(name)?.test?.referees !== false);
    const notRefereed = images.filter((name) => !refereed.includes(name));
    if (notRefereed.length) process.stdout.write(`==== referees: not run on ${notRefereed.join(' ')} (images.yaml)\n`);
    // KFC_TEST_VULNS=1 (the GitHub workflow, after downloading Trivy's DB): a missing DB is an error.
    const vulns = process.env.KFC_TEST_VULNS === '1' ? ['--vulns'] : [];
    if (refereed.length)
      await run('referees', process.execPath, kfc('referee', ...refereed, ...ref, ...vulns, '--check'));
    const notPulled = images.filter((name) => !nodePulled.includes(name));
    if (notPulled.length) process.stdout.write(`==== node-pull: not run on ${notPulled.join(' ')} (images.yaml)\n`);
    if (nodePulled.length && !asRoot) {
      process.stdout.write('==== node-pull: not run (a second dockerd needs root)\n');
      if (process.env.CI === 'true') {
        problems.push('node-pull (not run: a second dockerd needs root)');
        failed += 1;
      } else skipped += 1;
    } else if (nodePulled.length) {
      // The internal ancestors (foundation, toolbelt) as images of their own, from the build's cache:
      // the node pulls them first, so each child's pull is measured over its parent.
      const ancestors = [];
      for (const name of nodePulled)
        for (let p = row(name)?.parent; p && !images.includes(p) && !ancestors.includes(p); p = row(p)?.parent)
          ancestors.push(p);
      const ancestorsBuilt = ancestors.length
        ? await run('build ancestors', process.execPath, kfc('build', ...ancestors, ...ref, ...ca, ...extra))
        : 0;
      if (ancestorsBuilt === 0)
        await run('node-pull', process.execPath, kfc('node-pull', ...nodePulled, ...ref, '--test'), {}, 'sum');
    }
  }
}

process.stdout.write(`\n${problems.length ? `failed parts: ${problems.join(', ')}\n` : ''}`);
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed > 0 || problems.length > 0 ? 1 : 0);
