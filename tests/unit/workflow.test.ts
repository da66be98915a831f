/**
 * The contract of .github/workflows/build.yml, not its wording: which jobs exist and what they depend on,
 * which entry points each calls (the same as .ci/run), in which order, with which test environment,
 * permissions and secrets, and that every action is pinned and actionlint passes. A step's `run:` text
 * is read as commands and their options, so rewording a script does not break this file.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { execa } from 'execa';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/main.ts';
import { findTool } from '../../src/referees/tools.ts';
import { needs } from '../../src/testing/parts.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FILE = resolve(ROOT, '.github/workflows/build.yml');
const text = readFileSync(FILE, 'utf8');
const ciRun = readFileSync(resolve(ROOT, '.ci/run'), 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  id?: string;
}
interface Job {
  needs?: string | string[];
  if?: string;
  'timeout-minutes'?: number;
  outputs?: Record<string, string>;
  strategy?: { matrix?: unknown; 'fail-fast'?: boolean };
  steps: Step[];
  env?: Record<string, string>;
  permissions?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  env: Record<string, string>;
  jobs: Record<string, Job>;
  permissions?: Record<string, string>;
}

const wf = parse(text) as Workflow;

/** The commands of a script, each as its words, quotes removed; a `$(…)` is a command of its own. */
function commands(script: string): string[][] {
  const parts: string[] = [];
  let rest = script;
  for (let m = /\$\(([^()]*)\)/.exec(rest); m; m = /\$\(([^()]*)\)/.exec(rest)) {
    parts.push(m[1]!);
    rest = rest.replace(m[0], '$SUBST');
  }
  return [rest, ...parts]
    .join('\n')
    .split(/\n|;|&&|\|\||\|/)
    .map((c) => (c.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^["']|["']$/g, '')))
    .filter((w) => w.length > 0);
}

/** The commands of a step that run `program` (e.g. ['npm', 'test'], ['kfc', 'push']), from that word on. */
function calls(step: Step | undefined, program: string[]): string[][] {
  const out: string[][] = [];
  for (const words of commands(step?.run ?? ''))
    for (let i = 0; i + program.length <= words.length; i++)
      if (program.every((p, j) => words[i + j] === p)) out.push(words.slice(i));
  return out;
}

const runsProgram = (step: Step, program: string[]) => calls(step, program).length > 0;
const uses = (step: Step, action: string) => (step.uses ?? '').split('@')[0] === action;

/** The index of the first step of `job` that satisfies `pred` (asserted to exist). */
function at(job: Job, what: string, pred: (s: Step) => boolean): number {
  const i = job.steps.findIndex(pred);
  assert.ok(i >= 0, `${what}: a step of the job`);
  return i;
}

function assertInOrder(job: Job, steps: [string, (s: Step) => boolean][]): void {
  const idx = steps.map(([what, pred]) => at(job, what, pred));
  assert.deepEqual(
    [...idx].sort((a, b) => a - b),
    idx,
    `in order: ${steps.map(([w]) => w).join(', ')}`,
  );
}

/** `npm test` / `npm run X` entry points a script calls. */
const entryPoints = (script: string) =>
  [...new Set([...script.matchAll(/\bnpm (?:run [\w:-]+|test)\b/g)].map((m) => m[0]))].sort();

const job = (name: string) => {
  const j = wf.jobs[name];
  assert.ok(j, `job ${name} exists`);
  return j;
};

const npmTestSteps = (j: Job) => j.steps.filter((s) => runsProgram(s, ['npm', 'test']));

describe('.github/workflows/build.yml (contract)', () => {
  test('triggers: push to main, pull requests (also when labelled), a daily schedule, a manual run', () => {
    assert.deepEqual((wf.on.push as { branches: string[] }).branches, ['main']);
    assert.ok((wf.on.pull_request as { types: string[] }).types.includes('labeled'), 'adding auto-deploy re-runs it');
    assert.match((wf.on.schedule as { cron: string }[])[0]!.cron, /^\d+ \d+ \* \* \*$/, 'daily');
    assert.ok('workflow_dispatch' in wf.on);
  });

  test('the jobs: checks and affected images, advisories, integration tests, one job per affected image', () => {
    assert.deepEqual(Object.keys(wf.jobs).sort(), ['advisories', 'image', 'integration', 'pre-build']);
    const img = job('image');
    assert.equal(img.needs, 'pre-build');
    assert.match(String(img.strategy!.matrix), /needs\.pre-build\.outputs\.matrix/);
    assert.equal(img.strategy!['fail-fast'], false);
    assert.match(img.if!, /needs\.pre-build\.outputs\.any/, 'skipped when nothing is affected');
    for (const out of ['matrix', 'any', 'base-key'])
      assert.match(job('pre-build').outputs![out]!, /steps\.affected\.outputs\./, `pre-build exports ${out}`);
  });

  test('one pipeline: the entry points .ci/run calls are the ones the workflow calls, and exist', () => {
    assert.deepEqual(entryPoints(ciRun), ['npm run check', 'npm test']);
    const workflowRuns = Object.values(wf.jobs)
      .flatMap((j) => j.steps.map((s) => s.run ?? ''))
      .join('\n');
    for (const e of entryPoints(ciRun)) assert.ok(entryPoints(workflowRuns).includes(e), `the workflow runs ${e}`);
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    for (const e of entryPoints(`${workflowRuns}\n${ciRun}`))
      if (e !== 'npm test') assert.ok(pkg.scripts[e.slice('npm run '.length)], `${e} exists`);
    assert.ok(pkg.scripts.test, 'npm test exists');
    const check = readFileSync(resolve(ROOT, 'scripts/check.sh'), 'utf8');
    const checks = ['typecheck', 'lint', 'knip', 'depcruise', 'kfc generate --check', 'kfc lint', 'kfc hadolint'];
    for (const c of [...checks, 'kfc kubeflow --check', 'actionlint'])
      assert.match(check, new RegExp(`^step .*${c}`, 'm'), `npm run check runs ${c}`);
    // Node 20's test runner does not expand globs: test files are listed by scripts/test.mjs.
    for (const cmd of [workflowRuns, ciRun, ...Object.values(pkg.scripts)])
      assert.doesNotMatch(cmd, /--test\b[^\n]*\*/);
  });

  test('pre-build: npm ci, the static checks, the unit tests, then kfc affected --github-output', () => {
    const pre = job('pre-build');
    assertInOrder(pre, [
      ['npm ci', (s) => runsProgram(s, ['npm', 'ci'])],
      ['npm run check', (s) => runsProgram(s, ['npm', 'run', 'check'])],
      ['npm run test:unit', (s) => runsProgram(s, ['npm', 'run', 'test:unit'])],
      ['kfc affected', (s) => runsProgram(s, ['kfc', 'affected'])],
    ]);
    const affected = pre.steps.find((s) => runsProgram(s, ['kfc', 'affected']))!;
    assert.equal(affected.id, 'affected', 'its outputs are the job outputs');
    const variants = calls(affected, ['kfc', 'affected']);
    assert.ok(
      variants.every((c) => c.includes('--github-output')),
      'every branch writes the step outputs',
    );
    assert.ok(
      variants.some((c) => c.includes('--all')),
      'a branch rebuilds every image',
    );
    assert.equal(pre.steps.find((s) => uses(s, 'actions/checkout'))!.with?.['fetch-depth'], 0, 'history for the diff');
  });

  test('tests: the integration job and each image job run the same npm test entry, as root, scoped by env', () => {
    const [integ] = npmTestSteps(job('integration'));
    assert.ok(integ, 'the integration job runs npm test');
    assert.equal(integ.env?.KFC_TEST_SCOPE, 'integration');
    const [img] = npmTestSteps(job('image'));
    assert.ok(img, 'the image job runs npm test');
    assert.equal(img.env?.KFC_TEST_SCOPE, 'images');
    assert.match(img.env!.KFC_TEST_IMAGES!, /^\$\{\{\s*matrix\.image\s*\}\}$/, "this job's image only");
    assert.match(img.env!.KFC_TEST_TAG!, /github\.sha/);
    const args = img.env!.KFC_TEST_BUILD_ARGS!;
    for (const opt of ['--refresh', '--registry-cache']) assert.ok(args.includes(opt), `the build runs with ${opt}`);
    // As root, as .ci/run runs as root: kfc node-pull starts a second dockerd.
    for (const s of [integ, img]) assert.equal(commands(s.run!).find((w) => w.includes('npm'))![0], 'sudo');
    // The variables the steps set are the ones scripts/test.mjs reads.
    const testMjs = readFileSync(resolve(ROOT, 'scripts/test.mjs'), 'utf8');
    for (const k of Object.keys({ ...integ.env, ...img.env }))
      assert.ok(testMjs.includes(`process.env.${k}`), `scripts/test.mjs reads ${k}`);
  });

  test('image job: nothing is pushed before it is tested and scanned; the scan gates on CRITICAL', () => {
    const img = job('image');
    const pushes = (s: Step) => runsProgram(s, ['kfc', 'push']);
    assertInOrder(img, [
      ['npm test', (s) => runsProgram(s, ['npm', 'test'])],
      ['kfc ref', (s) => runsProgram(s, ['kfc', 'ref'])],
      ['Trivy', (s) => uses(s, 'aquasecurity/trivy-action')],
      ['SARIF upload', (s) => uses(s, 'github/codeql-action/upload-sarif')],
      ['kfc push', pushes],
    ]);
    const trivy = img.steps.find((s) => uses(s, 'aquasecurity/trivy-action'))!;
    const refStep = img.steps.find((s) => runsProgram(s, ['kfc', 'ref']))!;
    assert.ok(refStep.id, 'the reference step has an id');
    assert.ok(
      String(trivy.with!['image-ref']).includes(`steps.${refStep.id}.outputs.`),
      'Trivy scans what kfc ref names',
    );
    assert.ok(calls(refStep, ['kfc', 'ref'])[0]!.includes('--tag'), 'the tag the build used');
    assert.equal(trivy.with!.severity, 'CRITICAL');
    assert.equal(String(trivy.with!['exit-code']), '1', 'a finding fails the job');
    assert.equal(trivy.with!.format, 'sarif');
    assert.ok(existsSync(resolve(ROOT, String(trivy.with!.trivyignores))), 'the allowlist is a file in the repository');
    assert.match(img.steps.find((s) => uses(s, 'github/codeql-action/upload-sarif'))!.if!, /always\(\)/);
  });

  test('publishing: main/nightly → production with release tags, signed; auto-deploy PR → dev registry', () => {
    assert.match(wf.env.RELEASE!, /github\.event_name == 'push'/);
    assert.match(wf.env.RELEASE!, /refs\/heads\/main/);
    assert.match(wf.env.RELEASE!, /github\.event_name == 'schedule'/);
    assert.match(wf.env.AUTO_DEPLOY!, /github\.event_name == 'pull_request'/);
    assert.match(wf.env.AUTO_DEPLOY!, /auto-deploy/);
    const img = job('image');
    const pushSteps = img.steps.filter((s) => runsProgram(s, ['kfc', 'push']));
    assert.deepEqual(pushSteps.map((s) => s.if).sort(), ["env.AUTO_DEPLOY == 'true'", "env.RELEASE == 'true'"]);
    const [dev, prod] = ['AUTO_DEPLOY', 'RELEASE'].map((c) => pushSteps.find((s) => s.if!.includes(c))!);
    for (const [s, repo, flag] of [
      [prod!, 'PROD_REPO', '--release'],
      [dev!, 'DEV_REPO', '--dev'],
    ] as const) {
      const tag = calls(s, ['kfc', 'tag'])[0]!;
      const push = calls(s, ['kfc', 'push'])[0]!;
      assert.ok(tag.includes(flag), `${s.if}: kfc tag ${flag}`);
      assert.equal(tag[tag.indexOf('--repo') + 1], `$${repo}`);
      assert.equal(push[push.indexOf('--repo') + 1], `$${repo}`);
      const order = commands(s.run!).map((w) => w.join(' '));
      const [t, p] = [/\bkfc tag\b/, /\bkfc push\b/].map((re) => order.findIndex((c) => re.test(c)));
      assert.ok(t! >= 0 && t! < p!, `${s.if}: kfc tag before kfc push`);
    }
    // Signed with the COSIGN_KEY secret when it is set.
    assert.match(prod!.env!.KFC_COSIGN_KEY!, /^\$\{\{ secrets\.COSIGN_KEY \}\}$/);
    assert.match(prod!.env!.COSIGN_PASSWORD!, /^\$\{\{ secrets\.COSIGN_PASSWORD \}\}$/);
    assert.ok(
      commands(prod!.run!)
        .flat()
        .some((w) => /(^|\()--sign\)?$/.test(w)),
      'kfc push --sign',
    );
    // Logins only when something is pushed.
    const logins = img.steps.filter((s) => uses(s, 'docker/login-action'));
    assert.deepEqual(logins.map((s) => s.if).sort(), ["env.AUTO_DEPLOY == 'true'", "env.RELEASE == 'true'"]);
  });

  test('registries from repository variables, credentials from secrets; the token is read-only but for SARIF', () => {
    const img = job('image');
    assert.match(img.env!.PROD_REPO!, /^\$\{\{ vars\.\w+ \}\}$/);
    assert.match(img.env!.DEV_REPO!, /^\$\{\{ vars\.\w+ \}\}$/);
    for (const s of img.steps.filter((x) => uses(x, 'docker/login-action'))) {
      assert.match(String(s.with!.username), /^\$\{\{ secrets\.[A-Z_]+ \}\}$/);
      assert.match(String(s.with!.password), /^\$\{\{ secrets\.[A-Z_]+ \}\}$/);
    }
    assert.doesNotMatch(text, /password: [^$]/, 'no literal credential');
    assert.deepEqual(wf.permissions, { contents: 'read' });
    for (const [name, j] of Object.entries(wf.jobs)) {
      const writes = Object.entries(j.permissions ?? {}).filter(([, v]) => v === 'write');
      assert.deepEqual(
        writes.map(([k]) => `${name}:${k}`),
        name === 'image' ? ['image:security-events'] : [],
      );
    }
  });

  test('advisories: pip-audit over every hash-locked python/*.lock, npm audit over the pinned VS Code', () => {
    const adv = job('advisories');
    const pip = adv.steps.flatMap((s) => calls(s, ['pip-audit']));
    assert.ok(pip.length > 0, 'pip-audit runs');
    for (const opt of ['--require-hashes', '--strict']) assert.ok(pip[0]!.includes(opt), `pip-audit ${opt}`);
    assert.ok(
      adv.steps.some((s) => /python\/\*\.lock/.test(s.run ?? '')),
      'over python/*.lock',
    );
    const audit = adv.steps.flatMap((s) => calls(s, ['npm', 'audit']));
    assert.ok(audit.length > 0, 'npm audit runs');
    assert.ok(
      adv.steps.some((s) => (s.run ?? '').includes('CODE_SERVER_VERSION')),
      'at the pinned version',
    );
    assert.match(
      readFileSync(resolve(ROOT, 'docker-bits/jupyterlab-vscode.Dockerfile'), 'utf8'),
      /^ARG CODE_SERVER_VERSION=\S+$/m,
    );
  });

  test('every job has a timeout', () => {
    for (const [name, j] of Object.entries(wf.jobs))
      assert.ok((j['timeout-minutes'] ?? 0) > 0, `${name} has timeout-minutes`);
  });

  test('every action is pinned by a full commit SHA with its version in a comment', () => {
    const lines = text.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l));
    assert.ok(lines.length >= 6);
    for (const l of lines) assert.match(l, /uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+/, l.trim());
  });

  test('every kfc verb and option the workflow calls exists', async () => {
    const program = await buildProgram();
    const known = new Map(program.commands.map((c) => [c.name(), c]));
    const kfc = Object.values(wf.jobs).flatMap((j) => j.steps.flatMap((s) => calls(s, ['kfc'])));
    assert.ok(kfc.length >= 8, `kfc calls found: ${kfc.length}`);
    for (const [, verb, ...rest] of kfc) {
      const cmd = known.get(verb!);
      assert.ok(cmd, `kfc ${verb} exists`);
      const longs = new Set(cmd.options.map((o) => o.long));
      for (const opt of rest.filter((w) => /^--[a-z-]+$/.test(w)))
        assert.ok(longs.has(opt), `kfc ${verb} ${opt} exists`);
    }
    const buildArgs = npmTestSteps(job('image'))[0]!.env!.KFC_TEST_BUILD_ARGS!;
    const build = new Set(known.get('build')!.options.map((o) => o.long));
    for (const opt of buildArgs.match(/--[a-z-]+/g) ?? []) assert.ok(build.has(opt), `kfc build ${opt} exists`);
  });
});

/** actionlint as scripts/actionlint.sh finds it: ACTIONLINT, else the provisioned referees' copy or the PATH. */
const lintBin = process.env.ACTIONLINT || findTool('actionlint');
test('actionlint passes on the workflow (shellcheck on every run: block)', {
  skip: needs(!lintBin && 'actionlint (bash scripts/provision.sh)'),
}, async () => {
  const r = await execa(lintBin!, ['-no-color', FILE], { reject: false });
  assert.equal(r.exitCode, 0, r.stdout || r.stderr);
});
