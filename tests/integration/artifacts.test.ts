// Vendor artifacts end to end on a real engine: a tiny image (tests/fixtures/artifacts, FROM the
// root base) requires a vendor artifact served by a local HTTP server. `kfc build` refuses, naming
// the artifact and its URL, while the cache lacks it (or holds a bad copy); after `kfc fetch` it
// builds, the image holds the artifact, and the org.kfc.optional-parts label names it.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { DOCKER, engineAnswers } from '../../src/testing/engine-check.ts';
import { needs } from '../../src/testing/parts.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const fixture = join(repoRoot, 'tests/fixtures/artifacts');
const engineUp = await engineAnswers();
const baseUp =
  engineUp && (await execa(DOCKER, ['image', 'inspect', 'kfc/debian:trixie'], { reject: false })).exitCode === 0;
const work = mkdtempSync(join(tmpdir(), 'kfc-artifacts-it-'));
const root = join(work, 'repo');
const cache = join(work, 'cache');
const artifact = readFileSync(join(fixture, 'artifact/hello-1.0.txt'));
const sha = createHash('sha256').update(artifact).digest('hex');
const tag = `it-${randomBytes(3).toString('hex')}`;
const repo = 'kfc-it-artifacts';
const ref = `${repo}/vendored:${tag}`;
let server: Server;
let url = '';
let served = 0;

function kfc(args: string[]) {
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', root, ...args], {
    reject: false,
    all: true,
    env: { KFC_ARTIFACT_CACHE: cache },
  });
}

describe('vendor artifacts: kfc fetch + kfc build', {
  skip: needs(
    !engineUp
      ? 'no Docker engine answers (run scripts/provision.sh)'
      : !baseUp && 'root base kfc/debian:trixie missing (run kfc base)',
  ),
}, () => {
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/releases/v1.0/hello-1.0.txt') {
        served++;
        res.writeHead(200, { 'content-length': String(artifact.length) });
        res.end(artifact);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    url = `${base}/releases/v1.0/hello-1.0.txt`;
    cpSync(fixture, root, { recursive: true });
    const yaml = readFileSync(join(fixture, 'images.yaml.in'), 'utf8')
      .replaceAll('@BASE_URL@', base)
      .replace('@SHA256@', sha)
      .replace('@SIZE@', String(artifact.length));
    writeFileSync(join(root, 'images.yaml'), yaml);
    const gen = await kfc(['generate']);
    assert.equal(gen.exitCode, 0, gen.all);
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await execa(DOCKER, ['rmi', '-f', ref], { reject: false });
    rmSync(work, { recursive: true, force: true });
  });

  test('kfc build refuses while the required artifact is not in the cache, naming it and its URL', async () => {
    const r = await kfc(['build', 'vendored', '--repo', repo, '--tag', tag]);
    assert.notEqual(r.exitCode, 0, r.all);
    assert.match(
      r.all,
      new RegExp(
        /cannot build vendored: vendor artifact "hello" is not in the artifact cache /.source +
          /\(run kfc fetch vendored where http:\/\/127\.0\.0\.1:\d+\/releases\/v1\.0\/hello-1\.0\.txt is reachable, /
            .source +
          /or copy a fetched artifact cache here \(KFC_ARTIFACT_CACHE\)\)/.source,
      ),
    );
    assert.ok(r.all.includes(url), r.all);
    assert.equal((await execa(DOCKER, ['image', 'inspect', ref], { reject: false })).exitCode, 1, 'nothing was built');
    assert.equal(served, 0, 'kfc build never downloads');
  });

  test('kfc fetch downloads and verifies it; kfc tree then calls the image buildable', async () => {
    const r = await kfc(['fetch', 'vendored']);
    assert.equal(r.exitCode, 0, r.all);
    assert.match(r.all, /downloaded\s+hello .*hello-1\.0\.txt \(29 bytes\)/);
    assert.equal(readFileSync(join(cache, 'hello', 'hello-1.0.txt.sha256'), 'utf8').trim(), sha);
    const t = await kfc(['tree', '--offline']);
    assert.equal(t.exitCode, 0, t.all);
    assert.doesNotMatch(t.all, /NOT BUILDABLE/);
  });

  test('a cached copy with the wrong checksum is refused precisely', async () => {
    const side = join(cache, 'hello', 'hello-1.0.txt.sha256');
    const good = readFileSync(side, 'utf8');
    writeFileSync(side, '0'.repeat(64) + '\n');
    try {
      const r = await kfc(['build', 'vendored', '--repo', repo, '--tag', tag]);
      assert.notEqual(r.exitCode, 0, r.all);
      assert.match(
        r.all,
        new RegExp(
          /vendor artifact "hello" in the cache has the wrong sha256, expected [0-9a-f]{64} /.source +
            /\(delete it and run kfc fetch vendored where /.source +
            /http:\/\/127\.0\.0\.1:\d+\/releases\/v1\.0\/hello-1\.0\.txt is reachable/.source,
        ),
      );
    } finally {
      writeFileSync(side, good);
    }
  });

  test('with the artifact cached, kfc build uses it: the image holds it and its label names it', async () => {
    const r = await kfc(['build', 'vendored', '--repo', repo, '--tag', tag]);
    assert.equal(r.exitCode, 0, r.all);
    const run = await execa(DOCKER, ['run', '--rm', ref], { reject: false });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.stdout, artifact.toString().trimEnd());
    const included = await execa(DOCKER, ['run', '--rm', ref, 'cat', '/opt/hello/INCLUDED']);
    assert.equal(included.stdout.trim(), 'hello');
    const label = await execa(DOCKER, [
      'image',
      'inspect',
      '--format',
      '{{ index .Config.Labels "org.kfc.optional-parts" }}',
      ref,
    ]);
    assert.equal(label.stdout.trim(), 'hello');
    // The temporary build context with the staged artifact is gone.
    const left = await execa('bash', ['-c', `ls ${join(root, '.kfc', 'contexts')} 2>/dev/null | wc -l`]);
    assert.equal(left.stdout.trim(), '0');
  });
});
