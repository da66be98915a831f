// The engine path end to end on a real Docker engine and a real registry with htpasswd auth:
// base, build (with a CA bundle as a secret), labels, tags, push/pull, dev, test, failures.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { DOCKER, engineAnswers } from '../../src/testing/engine-check.ts';
import { needs } from '../../src/testing/parts.ts';
import { freePortAmong } from '../../src/testing/ports.ts';
import { bitLine } from '../unit/helpers.ts';
import { removeImagesBuiltUnder } from './built-under-tag.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const fixtureRoot = join(repoRoot, 'tests/fixtures/engine');
const engineUp = await engineAnswers();
const work = mkdtempSync(join(tmpdir(), 'kfc-engine-'));
const dockerConfig = join(work, 'docker-config');
mkdirSync(dockerConfig);
const env = { DOCKER_CONFIG: dockerConfig };
const figures: Record<string, number> = {};

function kfc(args: string[], opts: { root?: string; env?: Record<string, string> } = {}) {
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', opts.root ?? fixtureRoot, ...args], {
    reject: false,
    env: { ...env, ...(opts.env ?? {}) },
    all: true,
  });
}

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  figures[name] = Math.round(performance.now() - t0) / 1000;
  return r;
}

let registry: ChildProcess | undefined;
let port = 0;
let repo = '';
const user = 'kfc';
const password = randomBytes(12).toString('hex');
const marker = `KFC-CA-MARKER-${randomBytes(16).toString('hex')}`;
const caFile = join(work, 'proxy-ca.pem');
const tag = `it-${randomBytes(3).toString('hex')}`;
/** This file's fixture steps are its own (tests/fixtures/engine/docker-bits/fixture.Dockerfile says why). */
const ownSteps = ['--build-arg', 'KFC_IT_FILE=engine'];

describe('engine integration', {
  skip: needs(!engineUp && 'no Docker engine answers (run scripts/provision.sh)'),
}, () => {
  before(async () => {
    // A port whose digits hold a status code (401), as a user's registry port may: kfc must still read docker's
    // "manifest unknown" as a missing tag, not as refused credentials (it once read port 34015 as "401").
    port = await freePortAmong([34015, 44015, 54015, 34016, 44016]);
    repo = `127.0.0.1:${port}/kfc-it`;
    const htpasswd = await execa('htpasswd', ['-Bbn', user, password]);
    writeFileSync(join(work, 'htpasswd'), htpasswd.stdout + '\n');
    writeFileSync(
      join(work, 'registry.yml'),
      [
        'version: 0.1',
        'log: { level: warn }',
        `storage: { filesystem: { rootdirectory: ${join(work, 'registry-data')} }, delete: { enabled: true } }`,
        `http: { addr: 127.0.0.1:${port} }`,
        `auth: { htpasswd: { realm: kfc-test, path: ${join(work, 'htpasswd')} } }`,
      ].join('\n') + '\n',
    );
    registry = spawn('/usr/bin/docker-registry', ['serve', join(work, 'registry.yml')], { stdio: 'ignore' });
    for (let i = 0; i < 50; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
        (r) => r.status === 401,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // A stand-in proxy CA bundle with a unique marker: its bytes must end up in no layer.
    writeFileSync(caFile, `-----BEGIN CERTIFICATE-----\n${marker}\n-----END CERTIFICATE-----\n`);
  });

  after(async () => {
    registry?.kill();
    const imgs = await execa(DOCKER, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', `${repo}/fixture`], {
      reject: false,
    });
    for (const ref of imgs.stdout.split('\n').filter(Boolean))
      await execa(DOCKER, ['rmi', '-f', ref], { reject: false });
    await removeImagesBuiltUnder([tag, `${tag}-one`, `${tag}-two`]);
    rmSync(work, { recursive: true, force: true });
    process.stdout.write(`engine figures (s): ${JSON.stringify(figures)}\n`);
  });

  test('kfc base keeps an existing root base (or makes it)', async () => {
    const r = await timed('base', () => kfc(['base', '--json']));
    assert.equal(r.exitCode, 0, r.all);
    const [res] = JSON.parse(r.stdout) as { image: string; created: boolean }[];
    assert.equal(res!.image, 'kfc/debian:trixie');
    const insp = await execa(
      DOCKER,
      ['image', 'inspect', '-f', '{{index .Config.Labels "org.kfc.base.suite"}}', 'kfc/debian:trixie'],
      { reject: false },
    );
    if (res!.created) assert.equal(insp.stdout.trim(), 'trixie');
  });

  test('kfc build builds with the CA bundle as a secret and OCI labels', async () => {
    const r = await timed('build', () =>
      kfc(['build', 'fixture', ...ownSteps, '--repo', repo, '--tag', tag, '--ca-bundle', caFile]),
    );
    assert.equal(r.exitCode, 0, r.all);
    assert.match(r.all ?? '', /step \d+\/\d+ RUN docker-bits\/fixture\.Dockerfile:\d+/);
    const labels = JSON.parse(
      (await execa(DOCKER, ['image', 'inspect', '-f', '{{json .Config.Labels}}', `${repo}/fixture:${tag}`])).stdout,
    ) as Record<string, string>;
    // Revision and time are the last commit that changed the image's build context (output/fixture/), so
    // unchanged inputs give the same image ID at any later commit.
    const dirty = (await execa('git', ['status', '--porcelain', '--', 'output/fixture'], { cwd: fixtureRoot })).stdout;
    const [sha, date] = (
      await execa('git', ['log', '-1', '--format=%H %cI', '--', 'output/fixture'], { cwd: fixtureRoot })
    ).stdout.split(' ');
    if (!dirty.trim()) {
      assert.equal(labels['org.opencontainers.image.revision'], sha);
      assert.equal(labels['org.opencontainers.image.created'], new Date(date!).toISOString());
    } else assert.match(labels['org.opencontainers.image.revision'] ?? '', /^[0-9a-f]{40}-dirty$/);
    assert.equal(labels['org.opencontainers.image.title'], 'fixture');
    assert.equal(labels['org.opencontainers.image.version'], tag);
    assert.match(labels['org.opencontainers.image.description'] ?? '', /busybox/);
  });

  test('a no-change rebuild is served from the cache', async () => {
    const r = await timed('rebuild', () =>
      kfc(['build', 'fixture', ...ownSteps, '--repo', repo, '--tag', tag, '--ca-bundle', caFile, '--json']),
    );
    assert.equal(r.exitCode, 0, r.all);
    const [res] = JSON.parse(r.stdout) as { cachedSteps: number; steps: number }[];
    assert.equal(res!.cachedSteps, res!.steps - 1, 'every step but FROM comes from the cache');
  });

  test('two builds in one clone at once each build their own tag from their own files', async () => {
    // They once shared .kfc/logs/bake.json: the one that wrote it last built both tags, the other
    // found its own tag missing ("buildx bake succeeded but … is not in the engine").
    const tags = [`${tag}-one`, `${tag}-two`];
    const builds = tags.map((t) =>
      kfc(['build', 'fixture', ...ownSteps, '--repo', repo, '--tag', t, '--ca-bundle', caFile, '--json']),
    );
    const pids = builds.map((b) => b.pid);
    const runs = await Promise.all(builds);
    // Not their cached steps: both run the same steps at the same moment, and BuildKit may say "cached" to one.
    for (const [i, r] of runs.entries()) {
      assert.equal(r.exitCode, 0, r.all);
      const [res] = JSON.parse(r.stdout) as { ref: string; id: string }[];
      assert.equal(res!.ref, `${repo}/fixture:${tags[i]}`);
      const id = await execa(DOCKER, ['image', 'inspect', '--format', '{{.Id}}', res!.ref], { reject: false });
      assert.equal(id.stdout.trim(), res!.id, `${res!.ref} is the image its build reported`);
    }
    const logs = join(fixtureRoot, '.kfc/logs');
    // Each run's files took their documented names when it ended; neither run's own copy is left (other
    // test files may be building this fixture right now: theirs may be).
    const left = readdirSync(logs).filter((f) => pids.some((pid) => f.startsWith(`.${pid}-`)));
    assert.deepEqual(left, []);
    for (const f of ['bake-metadata.json', 'bake.json', 'build.log']) assert.ok(readdirSync(logs).includes(f), f);
    assert.match(readFileSync(join(logs, 'build.log'), 'utf8'), /^\$ .* bake -f \S+\/\.kfc\/logs\/bake\.json /);
    for (const t of tags) await execa(DOCKER, ['rmi', `${repo}/fixture:${t}`], { reject: false });
  });

  test('the CA bundle bytes are in no layer (while what the RUN wrote is)', async () => {
    const save = await execa(DOCKER, ['save', `${repo}/fixture:${tag}`], { encoding: 'buffer', maxBuffer: 1e9 });
    const bytes = Buffer.from(save.stdout);
    assert.ok(
      bytes.includes(Buffer.from('ca bundle: ')),
      'positive control: the RUN saw the secret and its output is in a layer',
    );
    assert.ok(!bytes.includes(Buffer.from(marker)), 'the CA bundle content leaked into the image');
  });

  test('kfc tag adds SHA, SHORT_SHA and branch tags', async () => {
    const r = await kfc(['tag', 'fixture', '--repo', repo, '--tag', tag, '--json']);
    assert.equal(r.exitCode, 0, r.all);
    const { tags } = JSON.parse(r.stdout) as { tags: string[] };
    const head = (await execa('git', ['rev-parse', 'HEAD'], { cwd: repoRoot })).stdout.trim();
    assert.ok(tags.includes(head));
    assert.ok(tags.includes(head.slice(0, 8)));
    assert.ok(
      tags.some((t) => /^\d{4}-\d{2}-\d{2}$/.test(t)),
      'date tag',
    );
    for (const t of tags) assert.match(t, /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
  });

  test('push with wrong credentials fails with one clear line', async () => {
    writeFileSync(
      join(dockerConfig, 'config.json'),
      JSON.stringify({ auths: { [`127.0.0.1:${port}`]: { auth: Buffer.from(`${user}:wrong`).toString('base64') } } }),
    );
    const r = await kfc(['push', 'fixture', '--repo', repo, '--retries', '0']);
    assert.equal(r.exitCode, 2, r.all);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      /^kfc: error: 127\.0\.0\.1:\d+ refused the credentials .*\(fix: docker login 127\.0\.0\.1:\d+/,
    );
  });

  test('push to an unknown registry says it cannot be reached', async () => {
    const r = await kfc(['push', 'fixture', '--repo', 'registry.invalid/kfc', '--retries', '0']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /no local tags|cannot be reached/);
  });

  test('push all tags, delete locally, pull back with labels intact', async () => {
    const login = await execa(DOCKER, ['login', `127.0.0.1:${port}`, '-u', user, '--password-stdin'], {
      input: password,
      env,
      reject: false,
    });
    assert.equal(login.exitCode, 0, login.stderr);
    const pushed = await timed('push', () => kfc(['push', 'fixture', '--repo', repo, '--json']));
    assert.equal(pushed.exitCode, 0, pushed.all);
    const { pushed: refs } = JSON.parse(pushed.stdout) as { pushed: string[] };
    assert.ok(refs.length >= 4, `all tags pushed: ${refs.join(' ')}`);
    const catalog = await fetch(`http://127.0.0.1:${port}/v2/kfc-it/fixture/tags/list`, {
      headers: { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    });
    const listed = ((await catalog.json()) as { tags: string[] }).tags;
    for (const ref of refs) assert.ok(listed.includes(ref.split(':').pop()!), `${ref} in the registry`);
    for (const ref of refs) await execa(DOCKER, ['rmi', ref]);
    assert.notEqual(
      (await execa(DOCKER, ['image', 'inspect', `${repo}/fixture:${tag}`], { reject: false })).exitCode,
      0,
    );
    const pulled = await timed('pull', () => kfc(['pull', 'fixture', '--repo', repo, '--tag', tag, '--json']));
    assert.equal(pulled.exitCode, 0, pulled.all);
    const labels = JSON.parse(
      (await execa(DOCKER, ['image', 'inspect', '-f', '{{json .Config.Labels}}', `${repo}/fixture:${tag}`])).stdout,
    ) as Record<string, string>;
    assert.equal(labels['org.opencontainers.image.title'], 'fixture');
  });

  test('pull of a missing tag names it', async () => {
    const r = await kfc(['pull', 'fixture', '--repo', repo, '--tag', 'no-such-tag', '--retries', '0']);
    assert.equal(r.exitCode, 2, r.all);
    assert.match(r.stderr, /kfc: error: .*no-such-tag does not exist/);
  });

  test('kfc dev prints a working URL on 127.0.0.1 with a token and cleans up on Ctrl-C', async () => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bin/kfc.js'), '--root', fixtureRoot, 'dev', 'fixture', '--repo', repo, '--tag', tag],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no URL printed within 60 s')), 60_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const m = /open (http:\/\/127\.0\.0\.1:\d+\/notebook\/[^ ]+)/.exec(line);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    assert.match(url, /\?token=[0-9a-f]{48}$/);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /fixture with token/);
    const ps = await execa(DOCKER, ['ps', '--filter', 'label=org.kfc.dev=1', '--format', '{{.Ports}}']);
    assert.match(ps.stdout, /127\.0\.0\.1:\d+->8888/);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    const left = await execa(DOCKER, ['ps', '-a', '--filter', 'label=org.kfc.dev=1', '--format', '{{.Names}}']);
    assert.equal(left.stdout.trim(), '', 'the dev container is removed');
  });

  test('kfc test runs the image suites against a Kubeflow-like container', async () => {
    // Without the result cache: this proves the suites run (tests/integration/result-cache.test.ts tests the cache).
    const r = await kfc(['test', 'fixture', '--repo', repo, '--tag', tag, '--no-result-cache']);
    assert.equal(r.exitCode, 0, r.all);
    assert.match(r.all ?? '', /pass 3/);
    assert.match(r.stdout, /^kfc test: fixture: 3 passed, 0 failed, 0 skipped \(0 of 1 files cached\) in [\d.]+ s$/m);
  });

  test('make targets route to kfc', async () => {
    const make = (target: string) =>
      execa(
        'make',
        ['-s', target, `REPO=${repo}`, `TAG=${tag}`, `KFC=node ${join(repoRoot, 'bin/kfc.js')} --root ${fixtureRoot}`],
        { cwd: repoRoot, reject: false, env, all: true },
      );
    const b = await make('build/fixture');
    assert.equal(b.exitCode, 0, b.all);
    const p = await make('post-build/fixture');
    assert.equal(p.exitCode, 0, p.all);
    assert.match(p.stdout, new RegExp(`${repo}/fixture:[0-9a-f]{8}`));
  });

  test('a failing RUN is reported at its bit and line', async () => {
    const root = join(work, 'broken');
    cpSync(fixtureRoot, root, { recursive: true });
    writeFileSync(
      join(root, 'docker-bits/fixture.Dockerfile'),
      readFileSync(join(root, 'docker-bits/fixture.Dockerfile'), 'utf8').replace(
        'RUN useradd',
        'RUN echo about to fail && false\nRUN useradd',
      ),
    );
    assert.equal((await kfc(['generate'], { root })).exitCode, 0);
    const r = await kfc(['build', 'fixture', '--tag', tag], { root });
    assert.equal(r.exitCode, 1, r.all);
    // The planted RUN sits on the line of the fixture's `RUN useradd`.
    const where = bitLine(fixtureRoot, 'fixture', 'RUN useradd').replace(/[./]/g, '\\$&');
    assert.match(r.stderr, new RegExp(`kfc: error: ${where}: build of fixture failed at step 4`));
  });

  test('no engine gives one line and exit 2', async () => {
    const r = await kfc(['build', 'fixture'], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    assert.equal(r.exitCode, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^kfc: error: no Docker engine answers .*\(fix: /);
  });
});
