// Signed images end to end against a real registry with htpasswd auth and cosign v3 built from its
// Go module: kfc push --sign signs the pushed digest with a key pair made here and attests the image's
// CycloneDX SBOM (Trivy); kfc pull --verify verifies both before pulling that digest. A re-push of the
// tag with one changed layer, an unsigned image and a wrong key each fail with one line naming the
// image and digest. Needs the engine, the root base, the registry, cosign and Trivy; in CI a missing
// one fails.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

function kfc(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', root, ...args], {
    reject: false,
    all: true,
    env: { DOCKER_CONFIG: dockerConfig, KFC_COSIGN: cosignBin ?? '', KFC_TRIVY: trivyBin ?? '', ...env },
  });
}

/** Seconds from kfc's own lines: `signed … in 0.4 s`, `verified … in 0.2 s`. */
const seconds = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);

describe('kfc push --sign and kfc pull --verify (cosign, htpasswd registry)', { skip }, () => {
  const image = () => `${repo}/signed:${tag}`;
  const pubKey = join(work, 'cosign.pub');
  const signed: { digest?: string } = {};

  before(async () => {
    mkdirSync(dockerConfig);
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
