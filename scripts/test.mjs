#!/usr/bin/env node
// The one test command (`npm test`): unit tests, then engine integration tests, then the images
// CI builds with their inherited suites and report gates. KFC_TEST_SCOPE=unit|integration|images
// (comma-separated) runs a part. Ends with one "N passed, N failed" line over all parts.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const scope = (process.env.KFC_TEST_SCOPE ?? 'unit,integration,images').split(',').map((s) => s.trim());
// The images CI builds and tests here; the others are generated, linted and refused precisely.
const images = (process.env.KFC_TEST_IMAGES ?? 'jupyterlab-cpu jupyterlab-pytorch jupyterlab-tensorflow remote-desktop').split(/\s+/).filter(Boolean);
const caBundle = process.env.KFC_CA_BUNDLE ?? (existsSync('/etc/ssl/certs/ca-certificates.crt') ? '/etc/ssl/certs/ca-certificates.crt' : '');

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];

function run(label, cmd, args, env = {}) {
  return new Promise((resolve) => {
    process.stdout.write(`\n==== ${label}: ${cmd} ${args.join(' ')}\n`);
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, TESTCONTAINERS_RYUK_DISABLED: 'true', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on('close', (code) => {
      // node:test's spec reporter ends with "ℹ pass N" / "ℹ fail N" / "ℹ skipped N".
      const count = (name) => Number((out.match(new RegExp(`^ℹ ${name} (\\d+)$`, 'm')) ?? [])[1] ?? NaN);
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
if (scope.includes('images')) {
  const ca = caBundle ? ['--ca-bundle', caBundle] : [];
  const built = await run('build', process.execPath, kfc('build', ...images, '--tag', 'ci', ...ca));
  if (built === 0) {
    for (const image of images) {
      await run(`test ${image}`, process.execPath, kfc('test', image, '--tag', 'ci', '--json'));
    }
    if (existsSync(join(root, 'src/cli/commands/report.ts'))) {
      await run('report gates', process.execPath, kfc('report', ...images, '--tag', 'ci', '--check', '--starts', '5'));
    }
  }
}

process.stdout.write(`\n${problems.length ? `failed parts: ${problems.join(', ')}\n` : ''}`);
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed > 0 || problems.length > 0 ? 1 : 0);
