// A node's pull, measured: kfc node-pull pushes small fixture images to a throwaway Debian docker-registry
// (htpasswd auth) and pulls them, parents first, into a second dockerd with its own data root (the
// build engine's images and layer cache are never touched). The bytes pulled come from the
// registry's access log and must be exactly the blobs the node did not have yet; the node's image ID
// must be the build's; a published image is smoke-tested on the node the Kubeflow way. Each pushed
// image is signed with a key pair made for the run and its SBOM attested; the node pulls the digest
// that verified, and a tag re-pushed after signing is refused before the node pulls it. Rows are kept
// by content in a result cache of this test's own (KFC_CACHE_DIR).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { loadCatalog } from '../../src/catalog/load.ts';
import type { ColdResult } from '../../src/nodepull/cold-pull.ts';
import { pullsZstd } from '../../src/nodepull/compression.ts';
import { nodePull } from '../../src/nodepull/node-pull.ts';
import { findTool } from '../../src/referees/tools.ts';
import { COLD_FIGURES, type ColdFigures, type ColdRow } from '../../src/report/cold-figures.ts';
import { DOCKER, engineAnswers } from '../../src/testing/engine-check.ts';
import { needs } from '../../src/testing/parts.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
// Small images on a busybox root (tests/fixtures/node-pull/images.yaml): ten fresh nodes pull them per run.
const fixtureRoot = join(repoRoot, 'tests/fixtures/node-pull');
const ROOT_IMAGE = 'kfc/node-pull-root:1';
const engineUp = await engineAnswers();
const baseThere =
  engineUp && (await execa(DOCKER, ['image', 'inspect', 'kfc/debian:trixie'], { reject: false })).exitCode === 0;
const registryThere = (await execa('test', ['-x', '/usr/bin/docker-registry'], { reject: false })).exitCode === 0;
// Locally a missing part skips with its reason; in CI (CI=true) it fails the run.
const skip = needs(
  !engineUp
    ? 'no Docker engine answers (run scripts/provision.sh)'
    : !baseThere
      ? "the root base is not built (kfc base): the fixture's busybox comes from it"
      : !registryThere
        ? 'docker-registry missing (scripts/provision.sh --all)'
        : process.getuid?.() !== 0
          ? 'a second dockerd needs root'
          : !findTool('cosign') || !findTool('trivy')
            ? 'cosign or Trivy is not installed (scripts/provision-referees.sh): node-pull signs and verifies'
            : false,
);

const repo = `kfc-nodepull-it-${randomBytes(3).toString('hex')}`;
const tag = 'it';
const images = ['ref-clean', 'ref-dirgone', 'ref-planted'];
// A result cache of this run's own: rows of an earlier run (same image IDs) must not answer for this one.
const cacheDir = mkdtempSync(join(tmpdir(), 'kfc-nodepull-it-cache-'));
// The nodes and registries of this file's runs work under a folder of its own, so the checks that they are
// gone never see another node-pull on the machine (npm test runs the family's beside the integration tests).
const scratch = mkdtempSync(join(tmpdir(), 'kfc-nodepull-it-tmp-'));
process.env.TMPDIR = scratch;
const ourNodeProcesses = async () =>
  (await execa('pgrep', ['-f', `${scratch}/kfc-node-`], { reject: false })).stdout.trim();
/** The node bridges a live node dockerd (of this file or another run) still uses: theirs to remove. */
const liveNodeBridges = async () =>
  new Set(
    [...(await execa('pgrep', ['-af', 'dockerd'], { reject: false })).stdout.matchAll(/--bridge=(kfcnode\w+)/g)].map(
      (m) => m[1],
    ),
  );
const kfc = (args: string[], root = fixtureRoot, env: Record<string, string> = {}) =>
  execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', root, ...args], {
    reject: false,
    env: { DOCKER_BUILDKIT: '1', KFC_CACHE_DIR: cacheDir, KFC_TEST_CACHE: 'on', ...env },
  });
/** The node-pull rows the cache holds, by image. */
const storedRows = () =>
  readdirSync(join(cacheDir, 'node-pull')).map(
    (f) => JSON.parse(readFileSync(join(cacheDir, 'node-pull', f), 'utf8')) as { value: { image: string } },
  );

interface Row {
  image: string;
  parent?: string;
  imageBytes: number;
  pulledBytes: number;
  sharedWithParentBytes: number;
  presentBytes: number;
  blobs: number;
  accounts: { registry: number; manifest: number; node: number };
  imageId: string;
  nodeImageId: string;
  smoke?: {
    path: string;
    runMs: number;
    readyMs: number;
    kernel?: unknown;
  };
  problems: string[];
  freedBytes: number;
  signing: { digest: string; signSeconds: number; attestSeconds: number; verifySeconds?: number };
  cached?: { key: string; storedAt: string };
}
const figures: Record<string, { sign: number; attest: number; verify: number }> = {};
const parse = (stdout: string) => JSON.parse(stdout) as { images: Row[]; peakDiskBytes: number; problems: string[] };
const buildId = async (ref: string) =>
  (await execa(DOCKER, ['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();

describe('a node pulls the family', { skip }, () => {
  before(async () => {
    const root = await execa(DOCKER, ['build', '-q', '-t', ROOT_IMAGE, join(fixtureRoot, 'root')], {
      env: { DOCKER_BUILDKIT: '1' },
      reject: false,
    });
    assert.equal(root.exitCode, 0, `${root.stdout}\n${root.stderr}`);
    const b = await kfc(['build', ...images, '--repo', repo, '--tag', tag, '--progress', 'quiet']);
    assert.equal(b.exitCode, 0, `${b.stdout}\n${b.stderr}`);
  });
  after(async () => {
    for (const n of images) await execa(DOCKER, ['rmi', '-f', `${repo}/${n}:${tag}`], { reject: false });
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    process.stdout.write(`node-pull sign/attest/verify seconds per image: ${JSON.stringify(figures)}\n`);
  });

  test("children pull only what the node lacks, while the next is pushed; the image IDs are the build's", async () => {
    // These three serve nothing: bytes, accounts and identity only.
    const r = await kfc(['node-pull', ...images, '--repo', repo, '--tag', tag, '--no-smoke', '--json']);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    const { images: rows, peakDiskBytes, problems } = parse(r.stdout);
    assert.deepEqual(
      rows.map((x) => x.image),
      images,
    );
    assert.deepEqual(problems, []);
    const [root, ...children] = rows;
    assert.equal(root!.pulledBytes, root!.imageBytes, 'the first image on an empty node is pulled whole');
    assert.equal(root!.presentBytes, 0);
    for (const row of rows) {
      // Content identity: the node's image is the build's, byte for byte of its config.
      assert.equal(row.imageId, await buildId(`${repo}/${row.image}:${tag}`), row.image);
      assert.equal(row.nodeImageId, row.imageId, row.image);
      assert.equal(row.smoke, undefined, `${row.image}: --no-smoke`);
      assert.equal(row.cached, undefined, `${row.image}: ran`);
      // Registry log, manifest minus the node's layers, and docker pull name the same layers (the next
      // image's push ran during this pull: its traffic is not counted).
      assert.equal(row.accounts.registry, row.accounts.manifest, row.image);
      assert.equal(row.accounts.node, row.accounts.manifest, row.image);
      assert.equal(row.blobs, row.accounts.registry + 1, `${row.image}: its layers and its config`);
      // Signed after its push, verified before its pull; the node pulled the digest that verified.
      const s = row.signing;
      assert.match(s.digest, /^sha256:[0-9a-f]{64}$/, row.image);
      assert.ok(s.signSeconds > 0 && s.attestSeconds > 0 && s.verifySeconds! > 0, JSON.stringify(s));
      assert.match(
        r.stderr,
        new RegExp(`^kfc node-pull: ${row.image}: signed ${s.digest} in [\\d.]+ s, SBOM attested in [\\d.]+ s`, 'm'),
      );
      assert.match(
        r.stderr,
        new RegExp(`^kfc node-pull: ${row.image}: verified ${s.digest} \\(signature \\+ SBOM attestation\\)`, 'm'),
      );
      figures[row.image] = { sign: s.signSeconds, attest: s.attestSeconds, verify: s.verifySeconds! };
    }
    // This run's layer store is empty: each image is saved once here, and that one save gives its zstd layers
    // (pushed with the build's config) and its SBOM (kept by image ID).
    for (const n of images) {
      assert.match(r.stderr, new RegExp(`^kfc node-pull: ${n}: \\d+ of its parts were not kept: one docker save`, 'm'));
      assert.match(r.stderr, new RegExp(`^kfc node-pull: ${n}: pushed \\(zstd layers, the build's config\\)`, 'm'));
      assert.match(r.stderr, new RegExp(`^kfc node-pull: ${n}: SBOM of [0-9a-f]{12}: .*: 0 docker save, 1 Trivy`, 'm'));
    }
    // Blobs no later image needs leave the registry once the node has them; the last image's all go.
    assert.equal(rows.at(-1)!.freedBytes, rows.at(-1)!.imageBytes);
    assert.ok(peakDiskBytes > root!.imageBytes, `peak disk ${peakDiskBytes}`);
    for (const c of children) {
      assert.equal(c.parent, 'ref-clean');
      assert.ok(c.presentBytes >= c.sharedWithParentBytes, `${c.image}: the parent's layers are already there`);
      // At least the parent's layers are already there (its 3 MB of random bytes); what was pulled is the rest,
      // exactly.
      assert.ok(c.sharedWithParentBytes > 3e6, `${c.image} shares its parent's layers: ${c.sharedWithParentBytes}`);
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
      .filter((x) => /\/kfc-node\/(ref-|np-server)/.test(x));
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
    const live = await liveNodeBridges();
    for (const table of ['filter', 'nat']) {
      const rules = (await execa('iptables', ['-t', table, '-S'])).stdout;
      const orphaned = [...rules.matchAll(/kfcnode\w+/g)].map((m) => m[0]).filter((b) => !live.has(b));
      assert.deepEqual(orphaned, [], `iptables ${table}: rules of a node bridge no node uses`);
    }
    assert.equal(await ourNodeProcesses(), '', 'the node engine and registry are stopped');
  });

  test('a partly cached run pulls what the uncached image finds on the node, and measures it the same', async () => {
    const first = await kfc(['node-pull', ...images, '--repo', repo, '--tag', tag, '--no-smoke', '--json']);
    assert.equal(first.exitCode, 0, first.stderr);
    const all = parse(first.stdout).images;
    assert.ok(
      all.every((x) => x.cached),
      `the second run of the same images is served from the cache: ${first.stderr}`,
    );
    assert.match(first.stderr, /kfc node-pull: every image is cached: no registry or node started/);
    assert.doesNotMatch(first.stderr, / pulled /);
    // Forget ref-planted's row: ref-clean is pulled again for the node (its row stays cached), ref-dirgone
    // (dropped before ref-planted in a whole run) is not pulled at all.
    for (const f of readdirSync(join(cacheDir, 'node-pull')))
      if (
        (JSON.parse(readFileSync(join(cacheDir, 'node-pull', f), 'utf8')) as { value: Row }).value.image ===
        'ref-planted'
      )
        rmSync(join(cacheDir, 'node-pull', f));
    const r = await kfc(['node-pull', ...images, '--repo', repo, '--tag', tag, '--no-smoke', '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /pulled again for the node's state only \(their rows are cached\): ref-clean\n/);
    assert.match(r.stderr, /^kfc node-pull: ref-clean: pulled .*\(for the node only: its row is cached\)$/m);
    assert.doesNotMatch(r.stderr, /^kfc node-pull: ref-dirgone: pulled/m);
    const rows = parse(r.stdout).images;
    const planted = rows.find((x) => x.image === 'ref-planted')!;
    const before = all.find((x) => x.image === 'ref-planted')!;
    assert.equal(planted.cached, undefined, 'ref-planted ran');
    assert.ok(rows.filter((x) => x.image !== 'ref-planted').every((x) => x.cached));
    // The node held what it holds in a whole run: the same layers pulled, the same already there.
    for (const k of ['pulledBytes', 'presentBytes', 'blobs', 'imageBytes'] as const)
      assert.equal(planted[k], before[k], k);
    assert.equal(storedRows().filter((x) => x.value.image === 'ref-planted').length, 1, 'stored again');
  });

  test('a tag re-pushed with a changed layer after signing is refused before the node pulls it', async () => {
    // In this process, to re-push between the signature and the pull: the tag of ref-clean in the run's
    // registry then names ref-dirgone (ref-clean and a layer more), which nobody signed.
    process.env.KFC_CACHE_DIR = cacheDir;
    const catalog = loadCatalog(fixtureRoot, { readFiles: false });
    const lines: string[] = [];
    let swapped = '';
    const r = await nodePull({
      nodes: [catalog.nodes.get('ref-clean')!],
      refOf: (n) => `${repo}/${n.name}:${tag}`,
      tag,
      resultCache: false,
      log: (l) => lines.push(l),
      beforeVerify: async (image, ref, env) => {
        assert.equal(image, 'ref-clean');
        assert.equal((await execa(DOCKER, ['tag', `${repo}/ref-dirgone:${tag}`, ref])).exitCode, 0);
        const p = await execa(DOCKER, ['push', ref], { env, reject: false });
        await execa(DOCKER, ['rmi', ref], { reject: false });
        assert.equal(p.exitCode, 0, p.stderr);
        swapped = /digest: (sha256:[0-9a-f]{64})/.exec(p.stdout)?.[1] ?? '';
      },
    });
    const log = lines.join('\n');
    assert.match(swapped, /^sha256:/, log);
    const [row] = r.images;
    assert.notEqual(row!.signing.digest, swapped, 'what was signed is not what the tag names now');
    assert.equal(r.problems.length, 1, log);
    assert.match(
      r.problems[0]!,
      new RegExp(
        `^ref-clean: refused before the node pulled it: 127\\.0\\.0\\.1:\\d+/kfc-node/ref-clean:${tag}` +
          ` \\(${swapped}\\): the signature does not verify with the run's key: no signatures found`,
      ),
    );
    assert.deepEqual(row!.problems, [r.problems[0]!.replace(/^ref-clean: /, '')]);
    // Refused before the pull: the node holds nothing of it, and nothing says it pulled.
    assert.equal(row!.nodeImageId, '');
    assert.equal(row!.pulledBytes, 0);
    assert.doesNotMatch(log, / pulled \d+ of \d+ bytes/);
    assert.doesNotMatch(log, / verified sha256:/);
    // The SBOM made in the first test is kept by image ID: no save, no Trivy pass this time.
    assert.match(log, /^kfc node-pull: ref-clean: SBOM of [0-9a-f]{12}: kept by image ID .*: 0 docker save, 0 Trivy/m);
    assert.equal(await ourNodeProcesses(), '', 'node stopped');
  });

  test('a smoke that fails fails the run with one line per problem, and is not stored', async () => {
    // ref-clean runs no server: started the Kubeflow way it never answers its ready path.
    const stored = storedRows().length;
    const r = await kfc(['node-pull', 'ref-clean', '--repo', repo, '--tag', tag, '--smoke']);
    assert.equal(r.exitCode, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stderr,
      // Its command is the base's bash, which ends at once with no terminal.
      new RegExp(
        '^kfc node-pull: FAIL: ref-clean: smoke: /notebook/kfc-node/ref-clean-[0-9a-f]{6}/api/status' +
          ' did not answer 200 \\(last: the container exited \\(0\\)\\)$',
        'm',
      ),
    );
    assert.match(r.stderr, /^kfc: error: 1 node-pull problem\(s\)/m);
    assert.equal(storedRows().length, stored, 'a row with a problem is not stored');
    assert.deepEqual(await ourNodeProcesses(), '', 'the node is gone with its containers');
  });

  test('the smoke on the node: started the Kubeflow way, the ready path answers; a second run is cached', async () => {
    const b = await kfc(['build', 'np-server', '--repo', repo, '--tag', tag, '--progress', 'quiet']);
    assert.equal(b.exitCode, 0, `${b.stdout}\n${b.stderr}`);
    const args = ['node-pull', 'np-server', '--repo', repo, '--tag', tag, '--smoke'];
    try {
      // kfc report's one save keeps the layers (as npm test runs it): node-pull then saves nothing.
      const out = mkdtempSync(join(scratch, 'report-'));
      const reported = await kfc(
        [
          'report',
          'np-server',
          '--repo',
          repo,
          '--tag',
          tag,
          '--starts',
          '1',
          '--no-manifests',
          '--no-security-updates',
        ].concat(['--no-result-cache', '--keep-layers', '--out', out]),
      );
      assert.equal(reported.exitCode, 0, `${reported.stdout}\n${reported.stderr}`);
      assert.match(
        reported.stderr,
        /^kfc report: np-server: \d+ layers kept as zstd for kfc node-pull .* from the same save$/m,
      );
      const r = await kfc([...args, '--json']);
      assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /^kfc node-pull: np-server: its \d+ zstd layers and config are kept already: no save$/m);
      assert.doesNotMatch(r.stderr, /^kfc node-pull: np-server: .*one docker save/m);
      const [row] = parse(r.stdout).images;
      assert.equal(row!.nodeImageId, await buildId(`${repo}/np-server:${tag}`));
      assert.deepEqual(row!.problems, []);
      assert.match(row!.smoke!.path, /^\/notebook\/kfc-node\/np-server-[0-9a-f]{6}\/api\/status$/);
      assert.ok(row!.smoke!.readyMs >= row!.smoke!.runMs && row!.smoke!.readyMs > 0, JSON.stringify(row!.smoke));
      // busybox httpd is no Jupyter server: no kernel step (images.yaml: no jupyter spawner group).
      assert.equal(row!.smoke!.kernel, undefined);
      assert.match(
        r.stderr,
        /^kfc node-pull: np-server: smoke on the node: \/notebook\/kfc-node\/np-server-\w+\/api\/status answered 200 /m,
      );

      const again = await kfc(args);
      assert.equal(again.exitCode, 0, again.stderr);
      const key = /^kfc node-pull: np-server: cached \(key ([0-9a-f]{12}), stored (\S+)\)/m.exec(again.stderr);
      assert.ok(key, again.stderr);
      assert.ok(!Number.isNaN(Date.parse(key[2]!.replace(/\)$/, ''))), key[2]);
      assert.match(again.stderr, /every image is cached: no registry or node started/);
      assert.match(
        again.stdout,
        /\| np-server \| \/notebook\/kfc-node\/np-server-<id>\/api\/status \| .* \| passed \|/,
      );

      const forced = await kfc([...args, '--no-result-cache']);
      assert.equal(forced.exitCode, 0, forced.stderr);
      assert.doesNotMatch(forced.stderr, /cached \(key/);
      assert.match(forced.stderr, /^kfc node-pull: np-server: pulled \d+ of \d+ bytes/m);
      assert.match(forced.stderr, /^kfc node-pull: np-server: smoke on the node: .* answered 200/m);
    } finally {
      await execa(DOCKER, ['rmi', '-f', `${repo}/np-server:${tag}`], { reject: false });
    }
  });

  test("an ancestor the report did not save: its config from the engine's store, SBOMs from layouts", async () => {
    // As in npm test: the report saves the child only (the family's internal ancestors are never reported),
    // and that save holds every layer of the parent too. A cache of its own: no SBOM or row is kept yet.
    const own = { KFC_CACHE_DIR: mkdtempSync(join(scratch, 'cache-')) };
    const out = mkdtempSync(join(scratch, 'report-'));
    const report = ['report', 'ref-dirgone', '--repo', repo, '--tag', tag, '--starts', '0', '--no-manifests'];
    const flags = ['--no-security-updates', '--no-result-cache', '--keep-layers', '--out', out];
    const reported = await kfc([...report, ...flags], fixtureRoot, own);
    assert.equal(reported.exitCode, 0, `${reported.stdout}\n${reported.stderr}`);
    const r = await kfc(
      ['node-pull', 'ref-dirgone', '--repo', repo, '--tag', tag, '--no-smoke', '--json'],
      fixtureRoot,
      own,
    );
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stderr,
      /^kfc node-pull: ref-clean: its config read from the engine's image store \(sha256 checked\)$/m,
    );
    assert.doesNotMatch(r.stderr, /docker save \(/, 'nothing is saved');
    for (const n of ['ref-clean', 'ref-dirgone']) {
      assert.match(r.stderr, new RegExp(`^kfc node-pull: ${n}: its \\d+ zstd layers and config are kept already`, 'm'));
      const sbom = new RegExp(
        `^kfc node-pull: ${n}: SBOM of .*: made from its OCI layout .*: 0 docker save, 1 Trivy`,
        'm',
      );
      assert.match(r.stderr, sbom);
    }
    const rows = parse(r.stdout).images;
    assert.deepEqual(
      rows.map((x) => x.image),
      ['ref-clean', 'ref-dirgone'],
    );
    for (const row of rows) assert.equal(row.nodeImageId, await buildId(`${repo}/${row.image}:${tag}`), row.image);
  });

  test('--cold: fresh nodes, parent present then nothing present, each part timed to the ready path', async () => {
    const b = await kfc(['build', 'np-server', '--repo', repo, '--tag', tag, '--progress', 'quiet']);
    assert.equal(b.exitCode, 0, `${b.stdout}\n${b.stderr}`);
    try {
      const cold = ['node-pull', '--cold', 'np-server', '--repo', repo, '--tag', tag];
      // One run, as a person reads it (the table), its figures kept whole in reports/cold-node.json.
      const t = await kfc([...cold, '--compression', 'gzip,zstd']);
      assert.equal(t.exitCode, 0, `${t.stdout}\n${t.stderr}`);
      const res = JSON.parse(readFileSync(join(fixtureRoot, COLD_FIGURES), 'utf8')) as ColdFigures;
      assert.match(res.load.start, /load average/);
      // The provisioned node engine (scripts/provision-node-engine.sh): it pulls zstd.
      assert.equal(res.node.dockerd, '/usr/libexec/kfc/node-engine/dockerd');
      assert.ok(pullsZstd(res.node.version), res.node.version);
      assert.deepEqual(res.problems, []);
      // Its parent is the root base (not a catalog image): only the empty node, once per compression.
      assert.deepEqual(
        res.rows.map((x) => [x.case, x.compression]),
        [
          ['nothing present', 'gzip'],
          ['nothing present', 'zstd'],
        ],
      );
      for (const x of res.rows) assert.deepEqual(x.problems, [], JSON.stringify(x));
      const [gzipRow, row] = res.rows;
      // The same files, compressed two ways: not the same bytes.
      assert.notEqual(gzipRow!.imageBytes, row!.imageBytes);
      // The catalog's ready path (images.yaml test.ready), under the Kubeflow prefix.
      assert.match(row!.path, /^\/notebook\/kfc-node\/np-server-[0-9a-f]{6}\/api\/status$/);
      // An empty node pulls every layer; the registry served them all, the config too.
      assert.equal(row!.pulledLayers, row!.layers);
      assert.equal(row!.pulledBytes, row!.imageBytes);
      assert.ok(row!.transferMs > 0 && row!.unpackMs > 0, JSON.stringify(row));
      assert.equal(row!.transferMs + row!.unpackMs, row!.pullMs);
      assert.ok(row!.startMs > 0);
      assert.equal(row!.totalMs, row!.pullMs + row!.startMs + row!.readyMs);
      assert.ok(res.peakDiskBytes >= row!.imageBytes, `peak ${res.peakDiskBytes}`);
      assert.match(t.stderr, /^kfc node-pull --cold: np-server \(nothing present, zstd\): \d+ bytes, .* answered 200/m);
      // The table as text, the kept figures' own rows.
      for (const x of res.rows)
        assert.match(
          t.stdout,
          new RegExp(
            `^\\| np-server \\| nothing present \\| ${x.compression} \\| ${x.pulledLayers} / ${x.layers} ` +
              '\\| [\\d.]+ MB \\| .* \\| [\\d.]+ s \\|$',
            'm',
          ),
        );
      assert.match(t.stdout, /^nodes: \/usr\/libexec\/kfc\/node-engine\/dockerd \(Docker 2\d\./m);
      assert.match(t.stdout, /^load: .*load average.* … .*load average/m);
      // A node that cannot take zstd (the host's Docker 20.10): its own refusal, one line naming the fallback.
      const old = await kfc([...cold, '--compression', 'zstd'], fixtureRoot, {
        KFC_NODE_DOCKERD: '/usr/sbin/dockerd',
      });
      assert.equal(old.exitCode, 2, old.stderr);
      const last = old.stderr.trim().split('\n').pop()!;
      assert.match(
        last,
        /^kfc: error: the node \(Docker 20\.10\.[^)]*\) could not pull .*np-server:.*, whose layers are zstd: /,
      );
      assert.match(last, /\(fix: --compression gzip, or a node engine that pulls zstd \(Docker 23 or later/);
      assert.equal(old.stderr.match(/^kfc: error:/gm)?.length, 1, old.stderr);
      assert.equal(await ourNodeProcesses(), '', 'node stopped after the refusal');
    } finally {
      await execa(DOCKER, ['rmi', '-f', `${repo}/np-server:${tag}`], { reject: false });
    }
    // A child: its parent on the node first, so it pulls only its own layers; ref-dirgone serves nothing,
    // so each run fails its ready path with one line (exit 1), its pull figures kept.
    const c = await kfc(['node-pull', '--cold', 'ref-dirgone', '--repo', repo, '--tag', tag, '--json']);
    assert.equal(c.exitCode, 1, c.stderr);
    const rows = (JSON.parse(c.stdout) as ColdResult).rows;
    assert.deepEqual(
      rows.map((x) => [x.case, x.onNode]),
      [
        ['parent present', ['ref-clean']],
        ['nothing present', []],
      ],
    );
    const [withParent, empty] = rows as [ColdRow, ColdRow];
    assert.equal(empty.pulledLayers, empty.layers);
    assert.ok(withParent.pulledLayers >= 1 && withParent.pulledLayers < withParent.layers, JSON.stringify(withParent));
    assert.ok(withParent.pulledBytes < empty.pulledBytes / 2, "the parent's layers were on the node already");
    for (const x of rows) assert.match(x.problems[0]!, /^smoke: .*did not answer 200 \(last: the container exited/);
    assert.match(c.stderr, /^kfc node-pull: FAIL: ref-dirgone \(parent present, zstd\): smoke: /m);
    assert.match(c.stderr, /^kfc: error: 2 cold-node problem\(s\)/m);
    assert.equal(await ourNodeProcesses(), '', 'node stopped');
  });
});
