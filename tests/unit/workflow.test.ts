import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/main.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FILE = resolve(ROOT, '.github/workflows/build.yml');
const text = readFileSync(FILE, 'utf8');

interface Step { name?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string>; id?: string }
interface Job { needs?: string | string[]; if?: string; 'timeout-minutes'?: number; outputs?: Record<string, string>; strategy?: { matrix?: unknown; 'fail-fast'?: boolean }; steps: Step[]; env?: Record<string, string>; permissions?: Record<string, string> }
interface Workflow { on: Record<string, unknown>; env: Record<string, string>; jobs: Record<string, Job>; permissions?: Record<string, string> }

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

  test('pre-build job: npm ci, typecheck, unit tests, generate --check, lint, then kfc affected as outputs', () => {
    const pre = wf.jobs['pre-build']!;
    const script = runs(pre);
    const order = ['npm ci', 'tsc --noEmit', 'tests/unit', 'kfc generate --check', 'kfc lint', 'kfc affected'].map((s) => script.indexOf(s));
    assert.ok(order.every((i) => i >= 0), `all present: ${order}`);
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'in that order');
    const affected = step(pre, /kfc affected/);
    assert.equal(affected.id, 'affected');
    assert.match(affected.run!, /--github-output/);
    assert.match(affected.run!, /--all/, 'schedule rebuilds all');
    assert.equal(pre.outputs!.matrix, '${{ steps.affected.outputs.matrix }}');
    assert.equal(pre.outputs!.any, '${{ steps.affected.outputs.any }}');
    const checkout = step(pre, /actions\/checkout/);
    assert.equal(checkout.with?.['fetch-depth'], 0, 'history is needed for the diff');
  });

  test('the matrix comes from the pre-build job and is skipped when nothing is affected', () => {
    const img = wf.jobs.image!;
    assert.equal(img.needs, 'pre-build');
    assert.equal(img.strategy!.matrix, '${{ fromJSON(needs.pre-build.outputs.matrix) }}');
    assert.equal(img.strategy!['fail-fast'], false);
    assert.match(img.if!, /needs\.pre-build\.outputs\.any == 'true'/);
  });

  test('image job: disk cleanup, cached build, test, Trivy gate with SARIF upload, report --check', () => {
    const img = wf.jobs.image!;
    const names = img.steps.map((s) => `${s.name ?? ''} ${s.run ?? ''} ${s.uses ?? ''}`);
    const idx = (re: RegExp) => names.findIndex((n) => re.test(n));
    const seq = [/free runner disk/, /kfc build/, /kfc test/, /trivy-action/, /upload-sarif/, /kfc report .*--check/, /kfc push/].map(idx);
    assert.ok(seq.every((i) => i >= 0), `all present: ${seq}`);
    assert.deepEqual([...seq].sort((a, b) => a - b), seq, 'in order: nothing is pushed before it is tested and scanned');
    assert.match(step(img, /kfc build/).run!, /--cache-from/);
    const trivy = step(img, /trivy-action/);
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
    assert.match(wf.env.AUTO_DEPLOY!, /github\.event_name == 'pull_request' && contains\(github\.event\.pull_request\.labels\.\*\.name, 'auto-deploy'\)/);
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

  test('every job has a timeout; default token is read-only', () => {
    for (const [name, job] of Object.entries(wf.jobs)) assert.ok((job['timeout-minutes'] ?? 0) > 0, `${name} has timeout-minutes`);
    assert.deepEqual(wf.permissions, { contents: 'read' });
  });

  test('every action is pinned by a full commit SHA with its version in a comment', () => {
    const lines = text.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l));
    assert.ok(lines.length >= 6);
    for (const l of lines) {
      assert.match(l, /uses: [\w.-]+\/[\w.\/-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+/, l.trim());
    }
  });

  test('every kfc verb the workflow calls exists', async () => {
    const verbs = new Set([...text.matchAll(/npx kfc ([a-z-]+)/g)].map((m) => m[1]!));
    const known = new Set((await buildProgram()).commands.map((c) => c.name()));
    for (const v of ['affected', 'generate', 'lint', 'kubeflow', 'bake', 'build', 'test', 'report', 'tag', 'push']) assert.ok(known.has(v), `kfc ${v}`);
    assert.deepEqual([...verbs].filter((v) => !known.has(v)), [], 'verbs the workflow calls but kfc lacks');
  });
});
