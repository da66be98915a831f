// Signed images end to end against a real registry with htpasswd auth and cosign v3 built from its
// Go module: kfc push --sign signs the pushed digest with a key pair made here and attests the image's
// CycloneDX SBOM (Trivy); kfc pull --verify verifies both before pulling that digest. A re-push of the
// tag with one changed layer, an unsigned image and a wrong key each fail with one line naming the
// image and digest. The attested SBOM is made once per image ID, from one save: by kfc report
// --referees from the archive it saved anyway (the fixture's referees are off, like the GPU images'),
// else by the first push; every later push of that image ID saves nothing and runs no Trivy, as the
// engine's own events (docker events: save) and a counting Trivy wrapper show. Needs the engine, the
// root base, the registry, cosign and Trivy; in CI a missing one fails.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { findTool } from '../../src/referees/tools.ts';
import { verifyImage } from '../../src/signing/signing.ts';
import { needs } from '../../src/testing/parts.ts';
import { freePort } from '../../src/testing/ports.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const DOCKER = '/usr/bin/docker';
const BASE = 'kfc/debian:trixie';
const engineUp = (await execa(DOCKER, ['version'], { reject: false })).exitCode === 0;
const baseThere = engineUp && (await execa(DOCKER, ['image', 'inspect', BASE], { reject: false })).exitCode === 0;
const cosignBin = findTool('cosign');
const trivyBin = findTool('trivy');
const skip = needs(
  !engineUp
    ? 'no Docker engine answers (run scripts/provision.sh)'
    : !baseThere
      ? `the root base ${BASE} is not in the local store (kfc base)`
      : !existsSync('/usr/bin/docker-registry')
        ? 'docker-registry is not installed (scripts/provision.sh)'
        : !cosignBin
          ? 'cosign is not installed (scripts/provision-referees.sh)'
          : !trivyBin
            ? 'Trivy is not installed (scripts/provision-referees.sh)'
            : false,
);

const work = mkdtempSync(join(tmpdir(), 'kfc-signing-'));
const root = join(work, 'catalog');
const dockerConfig = join(work, 'docker-config');
const user = 'kfc';
const password = randomBytes(12).toString('hex');
const keyPassword = randomBytes(12).toString('hex');
const tag = `it-${randomBytes(3).toString('hex')}`;
const figures: Record<string, number> = {};
let registry: ChildProcess | undefined;
let repo = '';

// Trivy through a wrapper that counts its runs; the SBOMs kept by image ID in a cache of this run's own.
const trivyCalls = join(work, 'trivy-calls');
const trivyWrapper = join(work, 'trivy');
const cacheDir = join(work, 'cache');

function kfc(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', root, ...args], {
    reject: false,
    all: true,
    env: {
      DOCKER_CONFIG: dockerConfig,
      KFC_COSIGN: cosignBin ?? '',
      KFC_TRIVY: trivyWrapper,
      KFC_CACHE_DIR: cacheDir,
      KFC_TEST_CACHE: 'on',
      ...env,
    },
  });
}

/** Trivy's passes over an image so far (its `--version` asks aside). */
const trivyRuns = () =>
  existsSync(trivyCalls)
    ? readFileSync(trivyCalls, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('image '))
    : [];

/** The engine's own count of `docker save`s of image `id` since `since` (unix seconds). */
async function savesOf(id: string, since: number): Promise<number> {
  const r = await execa(DOCKER, [
    'events',
    '--since',
    String(since),
    '--until',
    String(Math.ceil(Date.now() / 1000) + 1),
    '--filter',
    'type=image',
    '--filter',
    'event=save',
    '--format',
    '{{.ID}}',
  ]);
  return r.stdout.split('\n').filter((l) => l.trim() === id).length;
}

const imageId = async (ref: string) => (await execa(DOCKER, ['image', 'inspect', '--format', '{{.Id}}', ref])).stdout;
const now = () => Math.floor(Date.now() / 1000);
/** kfc's own line about the SBOM it attested: how many saves and Trivy passes it made. */
const SBOM_LINE = /^kfc push: signed: SBOM of [0-9a-f]{12}: (.*): (\d) docker save, (\d) Trivy pass now$/m;

/** Seconds from kfc's own lines: `signed … in 0.4 s`, `verified … in 0.2 s`. */
const seconds = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);

describe('kfc push --sign and kfc pull --verify (cosign, htpasswd registry)', { skip }, () => {
  const image = () => `${repo}/signed:${tag}`;
  const pubKey = join(work, 'cosign.pub');
  const signed: { digest?: string } = {};

  before(async () => {
    mkdirSync(dockerConfig);
    writeFileSync(trivyWrapper, `#!/bin/bash\nset -euo pipefail\necho "$*" >> ${trivyCalls}\nexec ${trivyBin} "$@"\n`);
    chmodSync(trivyWrapper, 0o755);
    const port = await freePort();
    repo = `127.0.0.1:${port}/kfc-sign`;
    writeFileSync(join(work, 'htpasswd'), `${(await execa('htpasswd', ['-Bbn', user, password])).stdout}\n`);
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
      const up = await fetch(`http://127.0.0.1:${port}/v2/`).then(
        (r) => r.status === 401,
        () => false,
      );
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const login = await execa(DOCKER, ['login', '-u', user, '--password-stdin', `127.0.0.1:${port}`], {
      input: password,
      env: { DOCKER_CONFIG: dockerConfig },
      reject: false,
    });
    assert.equal(login.exitCode, 0, login.stderr);
    // The key pair of this run: never a key in the repository.
    const keys = await execa(cosignBin!, ['generate-key-pair'], {
      cwd: work,
      env: { COSIGN_PASSWORD: keyPassword },
      reject: false,
      all: true,
    });
    assert.equal(keys.exitCode, 0, keys.all);
    const other = await execa(cosignBin!, ['generate-key-pair', '--output-key-prefix', 'other'], {
      cwd: work,
      env: { COSIGN_PASSWORD: 'other' },
      reject: false,
    });
    assert.equal(other.exitCode, 0, other.stderr);
    cpSync(join(repoRoot, 'tests/fixtures/signing'), root, { recursive: true });
    // kfc report --referees reads dive's CI rules even when no image of the catalog is refereed.
    cpSync(join(repoRoot, '.dive-ci'), join(root, '.dive-ci'));
    const g = await kfc(['generate']);
    assert.equal(g.exitCode, 0, g.all);
    const b = await kfc(['build', 'signed', '--repo', repo, '--tag', tag, '--progress', 'quiet']);
    assert.equal(b.exitCode, 0, b.all);
  });

  after(async () => {
    registry?.kill();
    // By image ID: the build the re-push replaced keeps the repository with tag <none>.
    const ids = await execa(DOCKER, ['image', 'ls', '-q', `${repo}/signed`], { reject: false });
    for (const id of new Set(ids.stdout.split('\n').filter(Boolean)))
      await execa(DOCKER, ['rmi', '-f', id], { reject: false });
    rmSync(work, { recursive: true, force: true });
    process.stdout.write(`signing figures (s): ${JSON.stringify(figures)}\n`);
  });

  test('push --sign: the pushed digest gets a .sig and an .att (the SBOM) tag', async () => {
    const since = now();
    const r = await kfc(['push', 'signed', '--repo', repo, '--sign', '--retries', '0'], {
      KFC_COSIGN_KEY: join(work, 'cosign.key'),
      COSIGN_PASSWORD: keyPassword,
    });
    assert.equal(r.exitCode, 0, r.all);
    const m = /signed (\S+)@(sha256:[0-9a-f]{64}) in ([\d.]+) s, SBOM attested in ([\d.]+) s/.exec(r.stdout);
    assert.ok(m, r.all);
    signed.digest = m[2];
    figures.sign = Number(m[3]);
    figures.attest = Number(m[4]);
    const host = repo.split('/')[0];
    const tags = (await (
      await fetch(`http://${host}/v2/kfc-sign/signed/tags/list`, {
        headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
      })
    ).json()) as { tags: string[] };
    const d = signed.digest!.replace(':', '-');
    assert.deepEqual(tags.tags.sort(), [`${d}.att`, `${d}.sig`, tag].sort());
    assert.ok(existsSync(join(root, 'reports/sbom/signed.cdx.json')), 'the SBOM that was attested');
    // No SBOM was kept for this image ID: one save and one Trivy pass made it, by kfc's count and the engine's.
    const line = SBOM_LINE.exec(r.all ?? '');
    assert.ok(line, r.all);
    assert.match(line[1]!, /^none kept for this image ID: made from one save in [\d.]+ s, kept by image ID$/);
    assert.deepEqual([line[2], line[3]], ['1', '1']);
    assert.equal(await savesOf(await imageId(image()), since), 1, 'docker events: one save');
    assert.equal(trivyRuns().length, 1, trivyRuns().join('\n'));
  });

  test('a second push --sign of the same image ID: the SBOM kept by image ID, no save, no Trivy pass', async () => {
    const since = now();
    const r = await kfc(['push', 'signed', '--repo', repo, '--sign', '--retries', '0'], {
      KFC_COSIGN_KEY: join(work, 'cosign.key'),
      COSIGN_PASSWORD: keyPassword,
    });
    assert.equal(r.exitCode, 0, r.all);
    const line = SBOM_LINE.exec(r.all ?? '');
    assert.ok(line, r.all);
    assert.match(line[1]!, /^kept by image ID \(made by kfc push \(one docker save of .*\), stored \S+\)$/);
    assert.deepEqual([line[2], line[3]], ['0', '0']);
    assert.equal(await savesOf(await imageId(image()), since), 0, 'docker events: no save');
    assert.equal(trivyRuns().length, 1, 'no second Trivy pass');
  });

  test('pull --verify: the signed image verifies (key file, or the key text in KFC_COSIGN_PUBLIC_KEY)', async () => {
    const r = await kfc(['pull', 'signed', '--repo', repo, '--tag', tag, '--verify', '--key', pubKey]);
    assert.equal(r.exitCode, 0, r.all);
    assert.match(r.stdout, new RegExp(`verified ${repo}/signed@${signed.digest} \\(signature \\+ SBOM attestation\\)`));
    figures.verify = seconds(r.stdout, /attestation\) in ([\d.]+) s/);
    const env = await kfc(['pull', 'signed', '--repo', repo, '--tag', tag, '--verify'], {
      KFC_COSIGN_PUBLIC_KEY: readFileSync(pubKey, 'utf8'),
    });
    assert.equal(env.exitCode, 0, env.all);
    const v = await verifyImage(image(), pubKey, { dockerConfig });
    assert.equal(v.digest, signed.digest);
  });

  test('a wrong key fails with one line naming the image and digest', async () => {
    const r = await kfc(['pull', 'signed', '--repo', repo, '--tag', tag, '--verify', '--key', join(work, 'other.pub')]);
    assert.notEqual(r.exitCode, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      new RegExp(
        `${image()} \\(${signed.digest}\\): the signature does not verify with .*other\\.pub: no matching signatures`,
      ),
    );
  });

  test('a re-push under the same tag with one changed layer fails verification, naming the new digest', async () => {
    writeFileSync(join(root, 'resources/signed/payload.txt'), 'payload 2\n');
    assert.equal((await kfc(['generate'])).exitCode, 0);
    const b = await kfc(['build', 'signed', '--repo', repo, '--tag', tag, '--progress', 'quiet']);
    assert.equal(b.exitCode, 0, b.all);
    const p = await kfc(['push', 'signed', '--repo', repo, '--retries', '0']);
    assert.equal(p.exitCode, 0, p.all);
    const r = await kfc(['pull', 'signed', '--repo', repo, '--tag', tag, '--verify', '--key', pubKey]);
    assert.notEqual(r.exitCode, 0);
    const m = new RegExp(
      `^kfc: error: ${image()} \\((sha256:[0-9a-f]{64})\\): the signature does not verify with \\S+: (.*)$`,
      'm',
    ).exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.notEqual(m[1], signed.digest, 'the digest the tag points at now');
    assert.match(m[2]!, /no signatures found/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  test("the GPU images' way: kfc report --referees makes the SBOM from its one save, push --sign none", async () => {
    // The re-pushed image (a new image ID, no SBOM kept for it). Its referees are off (images.yaml), so the
    // report's archive goes to its scratch folder instead of streaming, and Trivy lists its packages there.
    const id = await imageId(image());
    const calls = trivyRuns().length;
    let since = now();
    const rep = await kfc([
      'report',
      'signed',
      '--repo',
      repo,
      '--tag',
      tag,
      '--referees',
      '--starts',
      '0',
      '--no-manifests',
      '--no-security-updates',
    ]);
    assert.equal(rep.exitCode, 0, rep.all);
    assert.match(rep.all ?? '', /^kfc report: signed: saved \S+ \([\d.]+ GB, to \S+\.tar\) in/m);
    assert.match(
      rep.all ?? '',
      /^kfc report: signed: SBOM alone \(referees off\) by one Trivy pass over the same save/m,
    );
    assert.equal(await savesOf(id, since), 1, "docker events: the report's one save");
    assert.equal(trivyRuns().length - calls, 1, trivyRuns().join('\n'));
    since = now();
    const r = await kfc(['push', 'signed', '--repo', repo, '--sign', '--retries', '0'], {
      KFC_COSIGN_KEY: join(work, 'cosign.key'),
      COSIGN_PASSWORD: keyPassword,
    });
    assert.equal(r.exitCode, 0, r.all);
    const line = SBOM_LINE.exec(r.all ?? '');
    assert.ok(line, r.all);
    assert.match(line[1]!, /^kept by image ID \(made by kfc report \(Trivy, SBOM alone, from its one saved archive\)/);
    assert.deepEqual([line[2], line[3]], ['0', '0']);
    assert.equal(await savesOf(id, since), 0, 'docker events: push --sign saved nothing');
    assert.equal(trivyRuns().length - calls, 1, 'no second Trivy pass');
    const v = await kfc(['pull', 'signed', '--repo', repo, '--tag', tag, '--verify', '--key', pubKey]);
    assert.equal(v.exitCode, 0, v.all);
  });

  test('an image that was never signed fails the same way', async () => {
    const unsigned = `${repo}/unsigned:${tag}`;
    assert.equal((await execa(DOCKER, ['tag', image(), unsigned])).exitCode, 0);
    const p = await execa(DOCKER, ['push', unsigned], { env: { DOCKER_CONFIG: dockerConfig }, reject: false });
    assert.equal(p.exitCode, 0, p.stderr);
    await assert.rejects(verifyImage(unsigned, pubKey, { dockerConfig }), (e: Error) => {
      assert.match(e.message, new RegExp(`^${unsigned} \\(sha256:[0-9a-f]{64}\\): the signature does not verify`));
      assert.match(e.message, /no signatures found/);
      return true;
    });
    await execa(DOCKER, ['rmi', unsigned], { reject: false });
  });
});
