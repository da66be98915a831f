// The Debian archive state of a build (pure parts, and the recorded state with a fake reader).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BaseSpec } from '../../src/catalog/schema.ts';
import {
  type AptArchive,
  archiveLabels,
  archivesArg,
  archiveUrls,
  chooseArchives,
  movedSuites,
  releaseDate,
} from '../../src/engine/apt-archives.ts';
import { baseSources } from '../../src/engine/base.ts';

const base: BaseSpec = {
  image: 'kfc/debian:trixie',
  suite: 'trixie',
  variant: 'minbase',
  mirror: 'http://deb.debian.org/debian',
  securityMirror: 'http://deb.debian.org/debian-security',
  components: ['main', 'contrib'],
};

const INRELEASE = `-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

Origin: Debian
Label: Debian-Security
Suite: stable-security
Codename: trixie-security
Date: Sat, 05 Dec 2026 03:33:30 UTC
Valid-Until: Sat, 12 Dec 2026 03:33:30 UTC
`;

test('releaseDate reads an InRelease Date as ISO 8601; none or garbage is undefined', () => {
  assert.equal(releaseDate(INRELEASE), '2026-12-05T03:33:30Z');
  assert.equal(releaseDate('Origin: Debian\n'), undefined);
  assert.equal(releaseDate('Date: someday\n'), undefined);
});

test('archiveUrls: the release and -updates from the mirror, -security from the security mirror', () => {
  assert.deepEqual(archiveUrls(base), [
    { suite: 'trixie', url: 'http://deb.debian.org/debian/dists/trixie/InRelease' },
    { suite: 'trixie-updates', url: 'http://deb.debian.org/debian/dists/trixie-updates/InRelease' },
    { suite: 'trixie-security', url: 'http://deb.debian.org/debian-security/dists/trixie-security/InRelease' },
  ]);
  const site = archiveUrls(base, { DEBIAN_MIRROR: 'http://m/debian/', DEBIAN_SECURITY_MIRROR: 'http://m/sec' });
  assert.deepEqual(
    site.map((u) => u.url),
    [
      'http://m/debian/dists/trixie/InRelease',
      'http://m/debian/dists/trixie-updates/InRelease',
      'http://m/sec/dists/trixie-security/InRelease',
    ],
  );
  const snap = archiveUrls({ ...base, snapshot: '20260101T000000Z' });
  assert.equal(
    snap[2]!.url,
    'http://snapshot.debian.org/archive/debian-security/20260101T000000Z/dists/trixie-security/InRelease',
  );
});

test('baseSources: one-line sources for mmdebstrap, three suites with the components', () => {
  assert.deepEqual(baseSources(base), [
    'deb http://deb.debian.org/debian trixie main contrib',
    'deb http://deb.debian.org/debian trixie-updates main contrib',
    'deb http://deb.debian.org/debian-security trixie-security main contrib',
  ]);
});

const state = (sec: string): AptArchive[] =>
  archiveUrls(base).map((u, i) => ({
    ...u,
    date: `2026-12-0${i + 1}T00:00:00Z`,
    sha256: i === 2 ? sec : `${i}`.repeat(64),
  }));

test('archivesArg and archiveLabels carry every suite', () => {
  const s = state('a'.repeat(64));
  assert.equal(
    archivesArg(s),
    `trixie@${'0'.repeat(64)},trixie-updates@${'1'.repeat(64)},trixie-security@${'a'.repeat(64)}`,
  );
  const l = archiveLabels(s);
  assert.equal(l['org.kfc.apt.trixie-security.date'], '2026-12-03T00:00:00Z');
  assert.equal(l['org.kfc.apt.trixie-security.inrelease-sha256'], 'a'.repeat(64));
  assert.equal(Object.keys(l).length, 6);
});

test('movedSuites: only the suites whose InRelease changed; everything when nothing was recorded', () => {
  assert.deepEqual(movedSuites(state('a'.repeat(64)), state('a'.repeat(64))), []);
  assert.deepEqual(
    movedSuites(state('a'.repeat(64)), state('b'.repeat(64))).map((a) => a.suite),
    ['trixie-security'],
  );
  assert.equal(movedSuites(undefined, state('a'.repeat(64))).length, 3);
});

test('chooseArchives: reuses the recorded state unless refresh; refresh records a move', async () => {
  const root = mkdtempSync(join(tmpdir(), 'kfc-apt-'));
  try {
    let reads = 0;
    let sec = 'a'.repeat(64);
    const read = async () => {
      reads++;
      return state(sec);
    };
    const first = await chooseArchives(root, 'k', base, { read });
    assert.equal(first.fetched, true);
    assert.deepEqual(first.moved, [], 'nothing recorded: nothing "moved"');
    assert.equal(first.compared, false, 'nothing recorded: nothing to compare with');
    const again = await chooseArchives(root, 'k', base, { read });
    assert.equal(again.fetched, false, 'without refresh the recorded state is reused');
    assert.equal(reads, 1);
    const same = await chooseArchives(root, 'k', base, { read, refresh: true });
    assert.deepEqual(same.moved, []);
    assert.equal(same.compared, true);
    sec = 'b'.repeat(64);
    const stale = await chooseArchives(root, 'k', base, { read });
    assert.equal(archivesArg(stale.archives).endsWith('a'.repeat(64)), true, 'no refresh: the old state');
    const moved = await chooseArchives(root, 'k', base, { read, refresh: true });
    assert.deepEqual(
      moved.moved.map((a) => a.suite),
      ['trixie-security'],
    );
    const recorded = JSON.parse(readFileSync(join(root, '.kfc', 'apt-archives.json'), 'utf8'));
    assert.equal(recorded.k.archives[2].sha256, 'b'.repeat(64));
    const other = await chooseArchives(root, 'k', base, { read, args: { DEBIAN_MIRROR: 'http://m/debian' } });
    assert.equal(other.fetched, true, 'another mirror is read, not taken from the record');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
