// kfc build on a remote BuildKit: buildkitd of its own (scripts/provision-referees.sh builds it from
// its Go module) on a Unix socket, added to buildx as a `remote` builder. It cannot see the engine's
// images, so the root base goes to an htpasswd registry (plain HTTP, credentials through the buildx
// client's DOCKER_CONFIG) and reaches the build through --base-ref. A tiny family (the engine fixture,
// a child, a sibling) is pushed with its registry cache, loaded into the engine, and built again on
// an EMPTY second daemon whose every step must come from that registry cache.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { findBuildx } from '../../src/engine/buildx.ts';
import { type Registry, startRegistry } from '../../src/nodepull/node-engine.ts';
import { findBuildkitd, type RemoteBuilder, startRemoteBuilder } from '../../src/testing/buildkitd.ts';
import { DOCKER, engineAnswers } from '../../src/testing/engine-check.ts';
import { needs } from '../../src/testing/parts.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const BASE = 'kfc/debian:trixie';
const engineUp = await engineAnswers();
const baseUp = engineUp && (await execa(DOCKER, ['image', 'inspect', BASE], { reject: false })).exitCode === 0;
const buildkitd = findBuildkitd();
const runc = (await execa('runc', ['--version'], { reject: false })).exitCode === 0;
const registryUp = existsSync('/usr/bin/docker-registry') && existsSync('/usr/bin/htpasswd');
const asRoot = process.getuid?.() === 0;
const missing = !engineUp
  ? 'no Docker engine answers (run scripts/provision.sh)'
  : !baseUp
    ? `root base ${BASE} missing (run kfc base)`
    : !buildkitd
      ? 'buildkitd missing (run bash scripts/provision-referees.sh)'
      : !runc
        ? "runc missing (Debian's, with docker.io)"
        : !registryUp
          ? 'docker-registry or htpasswd missing (scripts/provision.sh --all)'
          : !asRoot && 'buildkitd runs rootful here: run as root';

const work = mkdtempSync(join(tmpdir(), 'kfc-remote-'));
const root = join(work, 'catalog');
const dockerConfig = join(work, 'docker-config');
const run = randomBytes(3).toString('hex');
const token = randomBytes(8).toString('hex');
const images = ['fixture', 'fixture-child', 'fixture-sib'];
const figures: Record<string, number> = {};

interface Built {
  image: string;
  ref: string;
  id: string;
  cachedSteps: number;
  steps: number;
}

describe('kfc build on a remote BuildKit builder', { skip: needs(missing) }, () => {
  let registry: Registry;
  let builders: RemoteBuilder[] = [];
  let repo = '';
  let baseRef = '';

  const kfc = (args: string[]) =>
    execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', root, ...args], {
      reject: false,
      env: { DOCKER_CONFIG: dockerConfig, CI: '' },
    });
  /** kfc build of the child and the sibling (and so the fixture) on `builder`. */
  const build = async (builder: string, tag: string, more: string[]) => {
    const t0 = performance.now();
    const common = ['--builder', builder, '--base-ref', `debian-trixie=${baseRef}`, '--repo', repo, '--tag', tag];
    const r = await kfc(['build', 'fixture-child', 'fixture-sib', ...common, '--progress', 'lines', '--json', ...more]);
    figures[tag] = Math.round(performance.now() - t0) / 1000;
    assert.equal(r.exitCode, 0, r.stderr);
    return { results: JSON.parse(r.stdout) as Built[], stderr: r.stderr };
  };
  const newBuilder = async (label: string) => {
    const buildx = await findBuildx();
    const b = await startRemoteBuilder({
      dir: join(work, label),
      name: `kfc-it-${label}-${run}`,
      buildkitd: buildkitd!,
      buildx,
      httpRegistries: [registry.host],
      dockerConfig,
    });
    builders.push(b);
    return b;
  };
  /** A manifest in the registry (the test's credentials): its HTTP status. */
  const manifest = async (name: string, tag: string) => {
    const auth = Buffer.from(`${registry.user}:${registry.password}`).toString('base64');
    const accept = 'application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json';
    const res = await fetch(`http://${registry.host}/v2/kfc-it/${name}/manifests/${tag}`, {
      headers: {
        Authorization: `Basic ${auth}`,
        Accept: `${accept},application/vnd.docker.distribution.manifest.v2+json`,
      },
    });
    return res.status;
  };

  before(async () => {
    cpSync(join(repoRoot, 'tests/fixtures/engine'), root, { recursive: true });
    writeFileSync(join(root, 'docker-bits/child.Dockerfile'), `RUN echo ${token} > /tmp/kfc-child && sleep 1\n`);
    writeFileSync(join(root, 'docker-bits/sib.Dockerfile'), `RUN echo ${token} > /tmp/kfc-sib && sleep 1\n`);
    appendFileSync(
      join(root, 'images.yaml'),
      '  fixture-child:\n    extends: fixture\n    description: remote builder child\n    bits: [child]\n' +
        '  fixture-sib:\n    extends: fixture\n    description: remote builder sibling\n    bits: [sib]\n',
    );
    assert.equal((await kfc(['generate'])).exitCode, 0);
    mkdirSync(dockerConfig);
    registry = await startRegistry(join(work, 'registry'));
    repo = `${registry.host}/kfc-it`;
    baseRef = `${repo}/debian:trixie`;
    const env = { DOCKER_CONFIG: dockerConfig };
    const login = await execa(DOCKER, ['login', registry.host, '-u', registry.user, '--password-stdin'], {
      input: registry.password,
      env,
      reject: false,
    });
    assert.equal(login.exitCode, 0, login.stderr);
    // The root base where the remote builder can reach it.
    await execa(DOCKER, ['tag', BASE, baseRef]);
    const push = await execa(DOCKER, ['push', baseRef], { env, reject: false });
    await execa(DOCKER, ['rmi', baseRef], { reject: false });
    assert.equal(push.exitCode, 0, push.stderr);
  });

  after(async () => {
    for (const b of builders) await b.stop().catch(() => {});
    builders = [];
    const listed = await execa(DOCKER, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { reject: false });
    const ours = listed.stdout.split('\n').filter((ref) => repo && ref.startsWith(`${repo}/`));
    if (ours.length) await execa(DOCKER, ['rmi', '-f', ...ours], { reject: false });
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
    process.stdout.write(`remote builder figures (s): ${JSON.stringify(figures)}\n`);
  });

  test('pushes the family to the registry with its registry cache, leaving the engine alone', async () => {
    const a = await newBuilder('a');
    const { results, stderr } = await build(a.name, `push-${run}`, ['--push', '--registry-cache', 'write']);
    assert.deepEqual(
      results.map((r) => r.image),
      images,
      'the images asked for and their parent',
    );
    assert.match(stderr, /fixture-child: step 6\/6 RUN docker-bits\/child\.Dockerfile:1/, 'steps at their bit line');
    for (const name of images) {
      assert.equal(await manifest(name, `push-${run}`), 200, `${name} pushed`);
      assert.equal(await manifest(name, 'buildcache'), 200, `${name}'s registry cache written`);
      const local = await execa(DOCKER, ['image', 'inspect', `${repo}/${name}:push-${run}`], { reject: false });
      assert.notEqual(local.exitCode, 0, `${name} was pushed, not loaded`);
    }
    for (const r of results) assert.match(r.id, /^sha256:[0-9a-f]{64}$/, `${r.image}: its image digest from buildx`);
  });

  test('loads the family into the engine, labels and parent chain as on the local engine', async () => {
    const a = builders[0]!;
    const { results } = await build(a.name, `load-${run}`, []);
    const inspect = async (ref: string) =>
      JSON.parse((await execa(DOCKER, ['image', 'inspect', '-f', '{{json .Config.Labels}}', ref])).stdout) as Record<
        string,
        string
      >;
    for (const r of results) {
      const labels = await inspect(r.ref);
      assert.equal(labels['org.opencontainers.image.title'], r.image);
      assert.equal(labels['org.kfc.parent'], r.image === 'fixture' ? '' : 'fixture');
    }
    const out = await execa(DOCKER, [
      'run',
      '--rm',
      '--entrypoint',
      'cat',
      `${repo}/fixture-child:load-${run}`,
      '/tmp/kfc-child',
    ]);
    assert.equal(out.stdout.trim(), token);
  });

  test('an empty builder is served every step from the registry cache', async () => {
    for (const b of builders.splice(0)) await b.stop();
    const empty = await newBuilder('empty');
    const { results, stderr } = await build(empty.name, `cached-${run}`, ['--push', '--registry-cache', 'read']);
    for (const r of results) assert.equal(r.cachedSteps, r.steps - 1, `${r.image}: every step but FROM cached`);
    assert.match(stderr, /fixture-sib: step 6\/6 RUN docker-bits\/sib\.Dockerfile:1 \(last run [\d.]+ s\) cached$/m);
    assert.doesNotMatch(stderr, /done in/, 'nothing ran');
  });
});
