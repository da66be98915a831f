#!/usr/bin/env node
// The one test command (`npm test`): unit tests; the images CI builds; their report and gates, its start figures
// alone; then the images' suite files that need not run alone, beside the rest of the report and, once it has
// ended, beside the engine integration tests and the node's pull;
// then each image's suites again, where only the alone files (the load figure) and any failures still run.
// KFC_TEST_SCOPE=unit|integration|images (comma-separated) runs a part. Ends with a table of the steps
// and one "N passed, N failed" line over all parts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

const startedAt = Date.now();
let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
/** Every step for the closing table: what it cost and whether it ran or came from a cache. */
const steps = [];

/**
 * How much of a step came from kfc's result cache, from its own lines: `kfc test: IMAGE: … (C of N files
 * cached)`, and `kfc report|referee|node-pull: IMAGE: cached (key …)` against the images it named.
 */
function cacheState(out) {
  const files = [
    ...out.matchAll(
      /^kfc test: [^:]+: .*\((\d+) of (\d+) files cached(?:, (\d+) deferred)?(?:, (\d+) earlier in this run)?\)/gm,
    ),
  ];
  if (files.length) {
    const sum = (i) => files.reduce((a, m) => a + Number(m[i] ?? 0), 0);
    const [hit, all, later, earlier] = [sum(1), sum(2), sum(3), sum(4)];
    const ran = all - hit - later - earlier;
    if (ran === all) return 'ran';
    if (hit === all) return `cached (${all} files)`;
    const parts = [
      ran ? `ran ${ran} of ${all} files` : `ran none of ${all} files`,
      hit ? `${hit} cached` : '',
      earlier ? `${earlier} ran in the pass beside` : '',
      later ? `${later} deferred` : '',
    ];
    return parts.filter(Boolean).join(', ');
  }
  const hits = [...out.matchAll(/^kfc [a-z-]+: [^:\s]+: cached \(key/gm)].length;
  if (!hits) return 'ran';
  return /^kfc [a-z-]+: .*(saved|pulled|start\(s\))/m.test(out) ? `ran, ${hits} result(s) cached` : 'cached';
}

/**
 * summaries: 'last' (one node:test run) or 'sum' (a command that runs several, e.g. suites per image).
 * beside: the step runs while others do; its output is held and printed whole when it ends, and its
 * row in the table says what it ran beside.
 */
function run(label, cmd, args, env = {}, summaries = 'last', beside = '') {
  return new Promise((resolve) => {
    process.stdout.write(`\n==== ${label}: ${cmd} ${args.join(' ')}${beside ? ` (beside ${beside})` : ''}\n`);
    const t0 = Date.now();
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', beside ? 'pipe' : 'inherit'],
    });
    let out = '';
    let held = '';
    // A step beside others holds its stderr too: node-pull's cached lines are there.
    const state0 = (code) => (code === 0 ? cacheState(beside ? held : out) : 'FAILED');
    child.stdout.on('data', (d) => {
      out += d;
      if (beside) held += d;
      else process.stdout.write(d);
    });
    child.stderr?.on('data', (d) => {
      held += d;
    });
    const finish = (code, judged = state0(code)) => {
      const seconds = (Date.now() - t0) / 1000;
      const state = judged;
      steps.push({ label, seconds, code, state: beside ? `${state}, beside ${beside}` : state });
      if (beside) process.stdout.write(`\n==== ${label} (ran beside ${beside}): its output\n${held}`);
      process.stdout.write(`==== ${label}: exit ${code} in ${seconds.toFixed(0)} s\n`);
      resolve(code);
    };
    child.on('close', (code) => {
      // node:test's spec reporter ends with "ℹ pass N" / "ℹ fail N" / "ℹ skipped N".
      const count = (name) => {
        const all = [...out.matchAll(new RegExp(`^ℹ ${name} (\\d+)$`, 'gm'))].map((m) => Number(m[1]));
        if (!all.length) return NaN;
        return summaries === 'sum' ? all.reduce((a, b) => a + b, 0) : all[0];
      };
      // kfc test's own closing line per image (cached files count as passed).
      const kfcLines = [...out.matchAll(/^kfc test: [^:]+: (\d+) passed, (\d+) failed, (\d+) skipped/gm)];
      // A --not-alone pass beside other steps only fills the caches: the full pass after it counts its files
      // (cached, or earlier in this run) and runs again whatever failed here (a failure is never kept), which judges.
      if (summaries === 'kfc-test-early') {
        const lost = kfcLines.reduce((a, m) => a + Number(m[2]), 0);
        if (code !== 0)
          process.stdout.write(`==== ${label}: ${lost || 'some'} failed beside ${beside}: run again alone\n`);
        finish(code, code === 0 ? state0(code) : `${lost || 'some'} failed beside others, run again alone`);
        return;
      }
      if (summaries === 'kfc-test' && kfcLines.length) {
        for (const m of kfcLines) {
          passed += Number(m[1]);
          failed += Number(m[2]);
          skipped += Number(m[3]);
        }
        if (code !== 0) problems.push(`${label} (exit ${code})`);
        if (code !== 0 && !kfcLines.some((m) => Number(m[2]) > 0)) failed += 1;
        finish(code);
        return;
      }
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
      finish(code);
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

/**
 * The unit test files in two processes, one per core, instead of one process each: starting a process (tsx, the
 * modules it loads) cost more than most files' tests (the step: 97 CPU-s one process per file, 60 in two). Each
 * group is a file of imports under .kfc/unit/<pid>/; a file still runs alone: node --import tsx --test FILE.
 */
function unitGroups(files, groups = 2) {
  const dir = join(root, '.kfc', 'unit', String(process.pid));
  mkdirSync(dir, { recursive: true });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return Array.from({ length: groups }, (_, g) => {
    const path = join(dir, `group-${g + 1}.test.ts`);
    const imports = files.filter((_, i) => i % groups === g).map((f) => `import '../../../${f}';\n`);
    writeFileSync(path, imports.join(''));
    return path;
  });
}
/**
 * The unit tests: pure logic, nothing timed. With the images in scope they run beside the provisioning and
 * the image builds, and are awaited before the report, which times starts with nothing else running.
 */
let unit = Promise.resolve(0);
if (scope.includes('unit')) {
  const unitArgs = nodeTest(unitGroups(testFiles('tests/unit')), ['--test-concurrency=2']);
  if (scope.includes('images')) unit = run('unit', process.execPath, unitArgs, {}, 'last', 'the image builds');
  else await run('unit', process.execPath, unitArgs);
}
const provisioned = process.env.KFC_PROVISIONED === '1';
if (scope.includes('integration') || scope.includes('images')) {
  // .ci/run provisions once before npm test and says so (KFC_PROVISIONED=1); alone, npm test provisions.
  if (provisioned) process.stdout.write('\n==== provision: done by .ci/run\n');
  else if (process.getuid?.() === 0) await run('provision', 'bash', ['scripts/provision.sh', '--all']);
}
/**
 * .ci/run leaves Trivy, cosign and BuildKit building in the background (provision.sh --later): this waits for
 * that build (the script's lock), then finds them built or builds them itself, before their first user.
 */
const refereeTools = () =>
  provisioned && process.getuid?.() === 0
    ? run('referee tools (built beside)', 'bash', ['scripts/provision-referees.sh'])
    : Promise.resolve(0);
if (scope.includes('integration') || scope.includes('images')) {
  // The root base first, so no integration test finds it missing on a fresh machine.
  await run('base', process.execPath, kfc('base'));
}
/**
 * Integration tests exercise kfc itself on small fixtures and run every time, two files at a time (three were
 * no faster on 2 cores: a whole (c) run took 726 s against 720 s; the integration step 498 s against 531 s, but
 * the pass beside it 250 s against 186 s). With the images in scope they run after the report, beside node-pull
 * and the image suites' files that need not run alone: none of them times anything it judges. The alone files
 * come after, by themselves: the load figure times the image's answers and would judge the machine instead.
 */
const integrationArgs = nodeTest(testFiles('tests/integration'), ['--test-concurrency=2']);
if (scope.includes('integration') && !scope.includes('images')) {
  await refereeTools();
  await run('integration', process.execPath, integrationArgs);
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

/**
 * .ci/run runs the static checks beside npm test and names the file they write when they end
 * (KFC_CHECKS_DONE_FILE): the report times starts with nothing else running, so it waits for them.
 */
async function checksBeside() {
  const done = process.env.KFC_CHECKS_DONE_FILE;
  if (!done || existsSync(done)) return;
  const t0 = Date.now();
  process.stdout.write('\n==== the static checks beside are still running: the report waits for them\n');
  while (!existsSync(done) && Date.now() - t0 < 20 * 60_000) await new Promise((r) => setTimeout(r, 500));
  steps.push({ label: 'wait for the checks beside', seconds: (Date.now() - t0) / 1000, code: 0, state: 'ran' });
}

/** Resolves once `file` exists, or when `until` settles (the writer ended without writing it). */
function fileWritten(file, until) {
  let over = false;
  until.finally(() => {
    over = true;
  });
  return new Promise((resolve) => {
    const poll = () => (over || existsSync(file) ? resolve() : setTimeout(poll, 250));
    poll();
  });
}

const DOCKER = process.env.KFC_DOCKER ?? (existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker');
const docker = (...args) => spawnSync(DOCKER, args, { encoding: 'utf8' });

/** REF → image ID of every catalog image under the CI tag (and KFC_TEST_REPO): what a build may supersede. */
function taggedImages() {
  const tag = process.env.KFC_TEST_TAG || 'ci';
  const prefix = process.env.KFC_TEST_REPO ? `${process.env.KFC_TEST_REPO}/` : '';
  const refs = new Set(catalogRows.map((r) => `${prefix}${r.name}:${tag}`));
  const out = docker('images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}').stdout ?? '';
  return new Map(
    out
      .split('\n')
      .map((l) => l.split(' '))
      .filter(([r]) => refs.has(r)),
  );
}

/**
 * A rebuild (Debian's archives moved) leaves the family it replaced behind, untagged, and its build cache
 * with it: about as much disk again as the family, which this machine does not have. The images it
 * replaced go at once; under CI the build cache this build did not use goes too (a developer's engine keeps
 * theirs: the line says what to run).
 */
function dropSuperseded(before, buildStart) {
  const t0 = Date.now();
  const now = taggedImages();
  const gone = [...before].filter(([ref, id]) => now.get(ref) !== id).map(([, id]) => id);
  const dangling = [...new Set(gone)].filter(
    (id) => docker('image', 'inspect', '--format', '{{len .RepoTags}}', id).stdout?.trim() === '0',
  );
  if (!dangling.length) return;
  const removed = docker('rmi', ...dangling);
  const lines = [
    `${dangling.length} image(s) the build replaced: ${removed.status === 0 ? 'removed' : removed.stderr.trim()}`,
  ];
  // Records this build used (hit or made) were used since it began: they stay.
  const until = `${Math.ceil((Date.now() - buildStart) / 1000) + 60}s`;
  if (process.env.CI) {
    const pruned = docker('builder', 'prune', '--force', '--filter', `until=${until}`);
    const freed = /Total reclaimed space:\s*(\S+)/.exec(pruned.stdout ?? '')?.[1] ?? '?';
    lines.push(pruned.status === 0 ? `build cache not used by this build: ${freed} freed` : pruned.stderr.trim());
  } else lines.push(`their build cache stays (free it: docker builder prune --filter until=${until})`);
  process.stdout.write(`\n==== superseded: ${lines.join('; ')}\n`);
  steps.push({ label: 'superseded images', seconds: (Date.now() - t0) / 1000, code: 0, state: 'ran' });
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
  const buildStart = Date.now();
  const tagged = taggedImages();
  const built =
    images.length === 0
      ? 1
      : // --refresh: Debian's archives as they are now; a moved one rebuilds from foundation's apt layer, so the
        // pending-security-updates gate below judges images with today's updates.
        await run('build', process.execPath, kfc('build', ...images, ...ref, '--refresh', ...ca, ...extra));
  if (built === 0) dropSuperseded(tagged, buildStart);
  await unit;
  await refereeTools();
  await checksBeside();
  const row = (name) => catalogRows.find((r) => r.name === name);
  const nodePulled = built === 0 ? images.filter((name) => row(name)?.test?.nodePull !== false) : [];
  const asRoot = process.getuid?.() === 0;
  // The report runs first; once its start figures are measured (it times them first, alone) the rest of it
  // times nothing, and the images' suite files that need not run alone start beside it.
  let report = Promise.resolve(0);
  let startsTimed = Promise.resolve();
  if (built === 0) {
    // One `docker save` per image, read by kfc's report and gates and, where test.referees is on, by dive
    // and Trivy (SBOM, secrets, vulnerabilities when TRIVY_CACHE_DIR holds a DB); results kept by image ID.
    // Its start figures come first, on a machine doing nothing else; the SBOMs and zstd layers it keeps by
    // image ID are what node-pull attests and pushes, so node-pull waits for all of it.
    const notRefereed = images.filter((name) => row(name)?.test?.referees === false);
    if (notRefereed.length) process.stdout.write(`==== referees: not run on ${notRefereed.join(' ')} (images.yaml)\n`);
    // KFC_TEST_VULNS=1 (the GitHub workflow, after downloading Trivy's DB): a missing DB is an error.
    const vulns = process.env.KFC_TEST_VULNS === '1' ? ['--vulns'] : [];
    // The same save's layers, kept as zstd, are what node-pull pushes (no second save of an image).
    const keep = nodePulled.length && asRoot ? ['--keep-layers'] : [];
    const startsDone = join(root, '.kfc', `report-starts-${process.pid}`);
    mkdirSync(join(root, '.kfc'), { recursive: true });
    rmSync(startsDone, { force: true });
    process.on('exit', () => rmSync(startsDone, { force: true }));
    const args = ['--check', '--starts', '5', '--referees', ...vulns, ...keep, '--starts-done-file', startsDone];
    report = run('report gates and referees', process.execPath, kfc('report', ...images, ...ref, ...args));
    startsTimed = Promise.race([report, fileWritten(startsDone, report)]).then(() => undefined);
  }
  await startsTimed;
  const beside = [report];
  // With the result cache on, the image suites' kept files run beside the rest (below).
  const keptBeside = !['off', '0', 'false', 'no'].includes((process.env.KFC_TEST_CACHE ?? '').toLowerCase());
  // npm test's two passes over each image share a run id: what a file never kept (network, chance) did in the
  // pass beside the others counts in the pass after it, which runs only the alone files and any failures again.
  const runId = keptBeside ? ['--run-id', `npm-test-${process.pid}-${Date.now()}`] : [];
  const pullsHere = built === 0 && nodePulled.length > 0 && asRoot;
  if (built === 0 && keptBeside) {
    // Once the report's start figures are measured: beside the rest of the report, then beside the integration
    // tests and the node's pull, each image's suite files but the alone ones (kfc test --not-alone). Kept
    // results are stored by content; the others are held for this run's later pass. Chromium's own network
    // namespace keeps the browser suites from seeing the others' container starts.
    const others = [
      'the report',
      scope.includes('integration') ? 'the integration tests' : '',
      pullsHere ? 'node-pull' : '',
    ]
      .filter(Boolean)
      .join(', ');
    beside.push(
      (async () => {
        for (const image of images) {
          const args = kfc('test', image, ...ref, '--not-alone', ...runId);
          await run(`test ${image} (beside)`, process.execPath, args, {}, 'kfc-test-early', others);
        }
      })(),
    );
  }
  // The integration tests and the node's pull wait for the report's end: node-pull pushes the zstd layers and
  // attests the SBOMs it keeps, and with the integration tests beside it too the report's saves (the engine's
  // work, on the same two cores) took 2-3 times longer (a GPU image's: 122 s alone, 346 s beside both).
  await report;
  if (scope.includes('integration')) {
    const others = pullsHere ? 'node-pull' : '';
    beside.push(run('integration', process.execPath, integrationArgs, {}, 'last', others));
  }
  if (built === 0) {
    // A node's pull: the images whose test.nodePull is on go, with their ancestors, to a throwaway htpasswd
    // registry and into an empty second engine (the node), parents first; each is signed, and verified (with
    // its SBOM attestation) before the node pulls it; the bytes are checked three ways, the node's image must
    // have the build's image ID, and a Kubeflow-contract smoke runs on it. Beside the integration tests: its
    // times are not a quiet node's (`kfc node-pull --cold` is that benchmark).
    const notPulled = images.filter((name) => !nodePulled.includes(name));
    if (notPulled.length) process.stdout.write(`==== node-pull: not run on ${notPulled.join(' ')} (images.yaml)\n`);
    if (nodePulled.length && !asRoot) {
      process.stdout.write('==== node-pull: not run (a second dockerd needs root)\n');
      if (process.env.CI === 'true') {
        problems.push('node-pull (not run: a second dockerd needs root)');
        failed += 1;
      } else skipped += 1;
    } else if (nodePulled.length) {
      // kfc build tagged the internal ancestors (foundation, toolbelt) too: the node pulls them first, so
      // each child's pull is measured over its parent.
      const args = kfc('node-pull', ...nodePulled, ...ref, '--smoke');
      const others = scope.includes('integration') ? 'the integration tests' : '';
      beside.push(run('node-pull', process.execPath, args, {}, 'last', others));
    }
  }
  await Promise.all(beside);
  if (built === 0) {
    // Every image's suites here, file by file, two at a time, each result kept by content (image ID +
    // what the suite reads): an unchanged image with unchanged suites is served from the cache.
    for (const image of images)
      await run(`test ${image}`, process.execPath, kfc('test', image, ...ref, '--json', ...runId), {}, 'kfc-test');
  }
}

/**
 * The closing table: each step's time and whether it ran or was served from a cache (CI keeps it in its log).
 * A step that ran beside others overlaps them, so the shares are of the wall time and may add up past 100%.
 */
function stepTable() {
  const total = (Date.now() - startedAt) / 1000;
  const width = Math.max(5, ...steps.map((s) => s.label.length));
  // Rounded to the second first: 119.6 s is 2m00s, not 1m60s.
  const fmt = (sec) => {
    const whole = Math.round(sec);
    return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  };
  const lines = ['', '==== steps', `${'step'.padEnd(width)}  ${'time'.padStart(7)}  share  state`];
  for (const s of steps) {
    const share = total ? `${Math.round((100 * s.seconds) / total)}%`.padStart(4) : '   -';
    lines.push(`${s.label.padEnd(width)}  ${fmt(s.seconds).padStart(7)}  ${share}   ${s.state}`);
  }
  const overlap = steps.some((s) => s.state.includes('beside')) ? '  (wall time; steps beside others overlap)' : '';
  lines.push(`${'total'.padEnd(width)}  ${fmt(total).padStart(7)}${overlap}`);
  return `${lines.join('\n')}\n`;
}
process.stdout.write(stepTable());
process.stdout.write(`\n${problems.length ? `failed parts: ${problems.join(', ')}\n` : ''}`);
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed > 0 || problems.length > 0 ? 1 : 0);
