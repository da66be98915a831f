/**
 * `kfc fetch` (src/engine/artifacts.ts fetchArtifact) against a local HTTP server on 127.0.0.1:
 * a verified download lands in the cache with its .sha256 sidecar; a wrong checksum, a 404, a
 * truncated body and a wrong declared size each give a clear KfcError and leave nothing behind.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Vendor } from '../../src/catalog/schema.ts';
import { fetchArtifact } from '../../src/engine/artifacts.ts';
import { artifactPath } from '../../src/engine/sources.ts';
import { KfcError } from '../../src/errors.ts';

const BODY = Buffer.from('kfc test artifact\n'.repeat(4096)); // 73,728 bytes: several chunks
const SHA = createHash('sha256').update(BODY).digest('hex');
const work = mkdtempSync(join(tmpdir(), 'kfc-artifacts-'));
let server: Server;
let base = '';
let hits = 0;

/** Every file under dir, relative, sorted (empty when dir does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

function vendor(name: string, path: string, extra: Partial<Vendor> = {}): Vendor {
  return { name, url: `${base}${path}`, sha256: SHA, optional: false, ...extra };
}

async function rejectsKfc(p: Promise<unknown>, pattern: RegExp): Promise<KfcError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof KfcError, `a KfcError, got ${(e as Error)?.stack ?? e}`);
    assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected a KfcError matching ${pattern}`);
}

describe('kfc fetch: fetchArtifact', () => {
  before(async () => {
    server = createServer((req, res) => {
      hits++;
      const url = req.url ?? '/';
      if (url.startsWith('/dl/')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BODY.length) });
        res.end(BODY);
      } else if (url.startsWith('/truncated/')) {
        // Announces the full length, sends a third, then closes the connection.
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BODY.length) });
        res.write(BODY.subarray(0, Math.floor(BODY.length / 3)), () => setTimeout(() => res.socket?.destroy(), 20));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(work, { recursive: true, force: true });
  });

  it('downloads, verifies and caches with a .sha256 sidecar; a second fetch is a no-op', async () => {
    const cache = join(work, 'good');
    const v = vendor('tool', '/dl/tool-1.0.tar.gz', { size: BODY.length });
    const r = await fetchArtifact(cache, v);
    assert.equal(r.status, 'downloaded');
    assert.equal(r.bytes, BODY.length);
    assert.equal(r.path, artifactPath(cache, 'tool', v.url));
    assert.equal(r.path, join(cache, 'tool', 'tool-1.0.tar.gz'));
    assert.deepEqual(readFileSync(r.path), BODY);
    assert.equal(readFileSync(`${r.path}.sha256`, 'utf8').trim(), SHA);
    assert.deepEqual(filesUnder(cache), ['tool/tool-1.0.tar.gz', 'tool/tool-1.0.tar.gz.sha256']);
    const before = hits;
    const again = await fetchArtifact(cache, v);
    assert.equal(again.status, 'present');
    assert.equal(hits, before, 'a verified artifact is not downloaded again');
  });

  it('a wrong checksum is a clear error naming both digests, and leaves no file', async () => {
    const cache = join(work, 'badsum');
    const wrong = 'f'.repeat(64);
    const e = await rejectsKfc(
      fetchArtifact(cache, vendor('tool', '/dl/tool-1.0.tar.gz', { sha256: wrong })),
      /vendor artifact "tool" has sha256 [0-9a-f]{64}, images\.yaml says f{64}/,
    );
    assert.ok(e.message.includes(SHA), 'names the digest it got');
    assert.match(e.line(), /requires\.vendor\.sha256/);
    assert.deepEqual(filesUnder(cache), []);
  });

  it('an HTTP 404 is a clear error naming the URL, and leaves no file', async () => {
    const cache = join(work, 'notfound');
    const v = vendor('tool', '/missing/tool-1.0.tar.gz');
    const e = await rejectsKfc(
      fetchArtifact(cache, v),
      /cannot download vendor artifact "tool": HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/missing\/tool-1\.0\.tar\.gz/,
    );
    assert.match(e.line(), /fix: check the URL/);
    assert.deepEqual(filesUnder(cache), []);
  });

  const truncated =
    'a truncated download (connection closed before Content-Length) is a clear error, and leaves no file';
  it(truncated, async () => {
    const cache = join(work, 'truncated');
    await rejectsKfc(
      fetchArtifact(cache, vendor('tool', '/truncated/tool-1.0.tar.gz')),
      new RegExp(
        /download of "tool" /.source +
          `(${/from http:\/\/127\.0\.0\.1:\d+\/truncated\/tool-1\.0\.tar\.gz broke off after \d+ bytes/.source}` +
          `|${/is truncated: \d+ of 73728 bytes/.source})`,
      ),
    );
    assert.deepEqual(filesUnder(cache), []);
  });

  it('a body that does not have the declared size is refused, and leaves no file', async () => {
    const cache = join(work, 'badsize');
    await rejectsKfc(
      fetchArtifact(cache, vendor('tool', '/dl/tool-1.0.tar.gz', { size: BODY.length + 1 })),
      /vendor artifact "tool" has 73728 bytes, images\.yaml says 73729/,
    );
    assert.deepEqual(filesUnder(cache), []);
  });

  it('an unreachable host is a clear error with what to do instead', async () => {
    const cache = join(work, 'unreachable');
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const e = await rejectsKfc(
      fetchArtifact(cache, { name: 'tool', url: `http://127.0.0.1:${port}/tool.tgz`, sha256: SHA, optional: false }),
      /cannot download vendor artifact "tool" from http:\/\/127\.0\.0\.1:\d+\/tool\.tgz: ECONNREFUSED/,
    );
    assert.match(e.line(), /copy the artifact cache/);
    assert.deepEqual(filesUnder(cache), []);
  });

  it('a cached file whose sidecar does not match is downloaded again and replaced', async () => {
    const cache = join(work, 'stale');
    const v = vendor('tool', '/dl/tool-1.0.tar.gz');
    const p = artifactPath(cache, 'tool', v.url);
    await fetchArtifact(cache, v);
    writeFileSync(p, 'tampered');
    writeFileSync(`${p}.sha256`, '0'.repeat(64) + '\n');
    const r = await fetchArtifact(cache, v);
    assert.equal(r.status, 'downloaded');
    assert.equal(statSync(p).size, BODY.length);
    assert.equal(readFileSync(`${p}.sha256`, 'utf8').trim(), SHA);
  });
});
