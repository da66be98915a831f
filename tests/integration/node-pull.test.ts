// A node's pull, measured: kfc node-pull pushes fixture images to a throwaway Debian docker-registry
// (htpasswd auth) and pulls them, parents first, into a second dockerd with its own data root (the
// build engine's images and layer cache are never touched). The bytes pulled come from the
// registry's access log and must be exactly the blobs the node did not have yet.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { needs } from '../../src/testing/parts.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const fixtureRoot = join(repoRoot, 'tests/fixtures/referees');
// One image with a suite (busybox httpd under NB_PREFIX), for --test on the node.
const engineFixture = join(repoRoot, 'tests/fixtures/engine');
const DOCKER = '/usr/bin/docker';
const engineUp =
  (await execa(DOCKER, ['version', '--format', '{{.Server.Version}}'], { reject: false })).exitCode === 0;
const baseThere =
  engineUp && (await execa(DOCKER, ['image', 'inspect', 'kfc/debian:trixie'], { reject: false })).exitCode === 0;
const registryThere = (await execa('test', ['-x', '/usr/bin/docker-registry'], { reject: false })).exitCode === 0;
// Locally a missing part skips with its reason; in CI (CI=true) it fails the run.
const skip = needs(
  !engineUp
    ? 'no Docker engine answers (run scripts/provision.sh)'
    : !baseThere
      ? 'the root base is not built (kfc base)'
      : !registryThere
        ? 'docker-registry missing (scripts/provision.sh --all)'
        : process.getuid?.() !== 0
          ? 'a second dockerd needs root'
          : false,
);

const repo = `kfc-nodepull-it-${randomBytes(3).toString('hex')}`;
const tag = 'it';
const images = ['ref-clean', 'ref-dirgone', 'ref-planted'];
const kfc = (args: string[], root = fixtureRoot) =>
  execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', root, ...args], {
    reject: false,
    env: { DOCKER_BUILDKIT: '1' },
  });

describe('a node pulls the family', { skip }, () => {
  before(async () => {
    const b = await kfc(['build', ...images, '--repo', repo, '--tag', tag, '--progress', 'quiet']);
    assert.equal(b.exitCode, 0, `${b.stdout}\n${b.stderr}`);
  });
  after(async () => {
    for (const n of images) await execa(DOCKER, ['rmi', '-f', `${repo}/${n}:${tag}`], { reject: false });
  });

  test('children pull only what the node lacks; the build engine keeps its images', async () => {
    const r = await kfc(['node-pull', ...images, '--repo', repo, '--tag', tag, '--json']);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    const {
      images: rows,
      peakDiskBytes,
      problems,
    } = JSON.parse(r.stdout) as {
      images: {
        image: string;
        parent?: string;
        imageBytes: number;
        pulledBytes: number;
        sharedWithParentBytes: number;
        presentBytes: number;
        blobs: number;
        accounts: { registry: number; manifest: number; node: number };
        problems: string[];
        freedBytes: number;
      }[];
      peakDiskBytes: number;
      problems: string[];
    };
    assert.deepEqual(
      rows.map((x) => x.image),
      images,
    );
    assert.deepEqual(problems, []);
    const [root, ...children] = rows;
    assert.equal(root!.pulledBytes, root!.imageBytes, 'the first image on an empty node is pulled whole');
    assert.equal(root!.presentBytes, 0);
    for (const row of rows) {
      // Registry log, manifest minus the node's layers, and docker pull name the same layers.
      assert.equal(row.accounts.registry, row.accounts.manifest, row.image);
      assert.equal(row.accounts.node, row.accounts.manifest, row.image);
      assert.equal(row.blobs, row.accounts.registry + 1, `${row.image}: its layers and its config`);
    }
    // Blobs no later image needs leave the registry once the node has them; the last image's all go.
    assert.equal(rows.at(-1)!.freedBytes, rows.at(-1)!.imageBytes);
    assert.ok(peakDiskBytes > root!.imageBytes, `peak disk ${peakDiskBytes}`);
    for (const c of children) {
      assert.equal(c.parent, 'ref-clean');
      assert.ok(c.presentBytes >= c.sharedWithParentBytes, `${c.image}: the parent's layers are already there`);
      // At least the root base's layer is already there; what was pulled is the rest, exactly.
      assert.ok(c.sharedWithParentBytes > 50e6, `${c.image} shares the base layer with its parent`);
      assert.ok(
        c.pulledBytes <= c.imageBytes - c.sharedWithParentBytes,
        `${c.image}: pulled ${c.pulledBytes} > not-shared ${c.imageBytes - c.sharedWithParentBytes}`,
      );
      assert.ok(c.pulledBytes > 0);
    }
    // The build engine keeps the images it built and holds no registry tag afterwards (the engine
    // is shared, so other images may come and go meanwhile: only ours are checked).
    for (const n of images)
      assert.equal(
        (await execa(DOCKER, ['image', 'inspect', `${repo}/${n}:${tag}`], { reject: false })).exitCode,
        0,
        `${n} still in the build engine`,
      );
    const leftover = (await execa(DOCKER, ['images', '--format', '{{.Repository}}'])).stdout
      .split('\n')
      .filter((x) => x.includes('/kfc-node/'));
    assert.deepEqual(leftover, []);
    // The build engine's bridge survives a second dockerd (with --bridge=none dockerd deletes docker0).
    assert.equal(
      (await execa('ip', ['link', 'show', 'docker0'], { reject: false })).exitCode,
      0,
      'docker0 still exists',
    );
    const run = await execa(DOCKER, ['run', '--rm', '--entrypoint', 'true', `${repo}/ref-clean:${tag}`], {
      reject: false,
    });
    assert.equal(run.exitCode, 0, `containers still start on the build engine: ${run.stderr}`);
    // The node's own forwarding and masquerade rules go with its bridge.
    for (const table of ['filter', 'nat'])
      assert.doesNotMatch((await execa('iptables', ['-t', table, '-S'])).stdout, /kfcnode/, `iptables ${table}`);
    const procs = await execa('pgrep', ['-f', 'kfc-node-'], { reject: false });
    assert.equal(procs.stdout.trim(), '', 'the node engine and registry are stopped');
  });

  test("--test runs the image's suites against the node's pulled image", async () => {
    const b = await kfc(['build', 'fixture', '--repo', repo, '--tag', tag, '--progress', 'quiet'], engineFixture);
    assert.equal(b.exitCode, 0, `${b.stdout}\n${b.stderr}`);
    try {
      const r = await kfc(['node-pull', 'fixture', '--repo', repo, '--tag', tag, '--test'], engineFixture);
      assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
      // The suite's own summary (node:test), run with DOCKER_HOST at the node: the pulled reference
      // (127.0.0.1:<port>/kfc-node/fixture) exists only there, the build engine dropped its tag.
      assert.match(r.stdout, /^ℹ pass [1-9]\d*$/m);
      assert.match(r.stdout, /^ℹ fail 0$/m);
      assert.match(r.stdout, /suites of fixture on the node: passed/);
      assert.match(r.stderr, /kfc node-pull: fixture: its suites against the node's image \(DOCKER_HOST=unix:/);
    } finally {
      await execa(DOCKER, ['rmi', '-f', `${repo}/fixture:${tag}`], { reject: false });
    }
  });
});
