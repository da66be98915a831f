// kfc report on real images: the wasteful fixture (a 20 MB file chmod-ed in a later RUN) breaks
// the efficiency gate; its tidy parent passes. Built with the real engine (BuildKit through the
// docker CLI) FROM the local root base kfc/debian:trixie: nothing is pulled.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import type { FamilyReport } from '../../src/report/model.ts';
import { DOCKER, engineAnswers } from '../../src/testing/engine-check.ts';
import { needs } from '../../src/testing/parts.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const fixtureRoot = join(repoRoot, 'tests/fixtures/wasteful');
const BASE = 'kfc/debian:trixie';
const engineUp = await engineAnswers();
const baseThere = engineUp && (await execa(DOCKER, ['image', 'inspect', BASE], { reject: false })).exitCode === 0;
const skip = needs(
  !engineUp
    ? 'no Docker engine answers (run scripts/provision.sh)'
    : !baseThere && `the root base ${BASE} is not in the local store (kfc base)`,
);

const repo = `kfc-report-it-${randomBytes(3).toString('hex')}`;
const tag = 'it';
const out = mkdtempSync(join(tmpdir(), 'kfc-report-'));
// A result cache of this file's own: every run starts empty, and the machine's cache is left alone.
const cacheDir = join(out, 'kfc-cache');

function kfc(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', fixtureRoot, ...args], {
    reject: false,
    env: { DOCKER_BUILDKIT: '1', KFC_CACHE_DIR: cacheDir, ...env },
  });
}

/** The images a kfc report run saved, from its "saved" lines. */
const savedImages = (stderr: string) => [...stderr.matchAll(/^kfc report: ([\w-]+): saved /gm)].map((m) => m[1]);

describe('report gates on real images', { skip }, () => {
  before(async () => {
    const b = await kfc(['build', '--all', '--repo', repo, '--tag', tag, '--progress', 'quiet']);
    assert.equal(b.exitCode, 0, `${b.stdout}\n${b.stderr}`);
  });

  after(async () => {
    for (const name of ['wasteful', 'tidy'])
      await execa(DOCKER, ['rmi', '-f', `${repo}/${name}:${tag}`], { reject: false });
    const left = await execa(DOCKER, ['ps', '-aq', '--filter', 'label=org.kfc.report=1'], { reject: false });
    assert.equal(left.stdout.trim(), '', 'kfc report left containers behind');
    rmSync(out, { recursive: true, force: true });
  });

  test('kfc report --check fails on the wasteful image, naming the efficiency breach', async () => {
    const r = await kfc([
      'report',
      'wasteful',
      '--repo',
      repo,
      '--tag',
      tag,
      '--starts',
      '0',
      '--no-manifests',
      '--check',
      '--out',
      out,
    ]);
    assert.equal(r.exitCode, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /gate FAIL: wasteful: efficiency 0\.8\d+ < 0\.99/);
    // Its parent's layers for the sharing figures come from its own archive: one save, streamed.
    assert.deepEqual(savedImages(r.stderr), ['wasteful']);
    assert.match(r.stderr, /^kfc report: wasteful: saved \S+ \(0\.\d\d GB, read as it streamed\) in [\d.]+ s$/m);
    assert.doesNotMatch(r.stderr, /gate FAIL: tidy/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as FamilyReport;
    const w = report.images.find((i) => i.name === 'wasteful')!;
    // 20 MB written by one RUN and copied again by the chmod RUN: 40 MB wasted in one path.
    assert.equal(w.metrics.wastedBytes, 40_000_000);
    assert.equal(w.metrics.topWasted[0]!.path, '/opt/fixture/blob.bin');
    assert.deepEqual(
      w.metrics.topWasted[0]!.layers.map((l) => l.bit),
      ['wasteful-write', 'wasteful-chmod'],
    );
    assert.equal(w.metrics.efficiency, (w.metrics.totalBytes - 20_000_000) / w.metrics.totalBytes);
    // The child reuses every byte of its parent.
    assert.equal(w.sharing.parent?.with, 'tidy');
    assert.equal(w.sharing.parent?.ratio, 1);
    assert.equal(w.sharing.ownBytes, 40_000_000);
    assert.deepEqual(
      w.breaches.map((b) => b.metric),
      ['efficiency'],
    );
  });

  test('the tidy variant passes every gate, with manifests (absent tools tolerated)', async () => {
    const r = await kfc([
      'report',
      'tidy',
      '--repo',
      repo,
      '--tag',
      tag,
      '--starts',
      '0',
      '--check',
      '--out',
      out,
      '--json',
    ]);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(r.stdout) as FamilyReport;
    writeFileSync(join(out, 'tidy-only.json'), r.stdout);
    const t = report.images[0]!;
    assert.equal(t.name, 'tidy');
    assert.equal(t.metrics.efficiency, 1);
    assert.equal(t.metrics.wastedBytes, 0);
    assert.deepEqual(t.breaches, []);
    assert.ok(
      t.manifests!.debian.some((p) => p.name === 'bash'),
      'dpkg-query lists bash',
    );
    assert.ok(
      t.manifests!.absent.some((a) => a.startsWith('r:')),
      'no R in the base: reported absent',
    );
    assert.deepEqual(t.manifests!.errors, []);
    for (const f of ['index.html', 'README.md', 'tidy.md', 'wasteful.md']) assert.ok(existsSync(join(out, f)), f);
  });

  test('one save per image; a second run takes the passing image from the cache, not the failing one', async () => {
    const args = ['report', 'tidy', 'wasteful', '--repo', repo, '--tag', tag, '--starts', '0', '--no-manifests'];
    const cacheOut = join(out, 'cached');
    const first = await kfc([...args, '--out', cacheOut], { KFC_CACHE_DIR: join(out, 'cache-2') });
    assert.equal(first.exitCode, 0, first.stderr);
    assert.deepEqual(savedImages(first.stderr), ['tidy', 'wasteful']);
    assert.doesNotMatch(first.stderr, /cached/);
    const again = await kfc([...args, '--out', cacheOut, '--json'], { KFC_CACHE_DIR: join(out, 'cache-2') });
    assert.equal(again.exitCode, 0, again.stderr);
    // tidy passed every gate: served from the cache; wasteful failed one: never stored, measured again.
    assert.match(again.stderr, /^kfc report: tidy: cached \(key [0-9a-f]{12}, stored \d{4}-[\d-]+T[\d:.]+Z\)$/m);
    assert.deepEqual(savedImages(again.stderr), ['wasteful']);
    const report = JSON.parse(again.stdout) as FamilyReport;
    const tidy = report.images.find((i) => i.name === 'tidy')!;
    assert.deepEqual(tidy.seconds?.cached, ['report']);
    assert.equal(tidy.metrics.efficiency, 1);
    const w = report.images.find((i) => i.name === 'wasteful')!;
    assert.equal(w.cached, undefined);
    assert.ok(w.seconds!.save > 0 && w.seconds!.total >= w.seconds!.save, JSON.stringify(w.seconds));
    assert.equal(w.sharing.parent?.ratio, 1, "the cached parent's layers still give the sharing figures");
    const cases: [string, string[], Record<string, string>][] = [
      ['--no-result-cache', ['--no-result-cache'], {}],
      ['KFC_TEST_CACHE=off', [], { KFC_TEST_CACHE: 'off' }],
    ];
    for (const [what, flags, env] of cases) {
      const r = await kfc([...args, '--out', cacheOut, ...flags], { KFC_CACHE_DIR: join(out, 'cache-2'), ...env });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.deepEqual(savedImages(r.stderr), ['tidy', 'wasteful'], `${what}: every image again`);
      assert.doesNotMatch(r.stderr, /cached/);
    }
  });

  test('kfc report --from re-renders a saved report; --diff compares two', async () => {
    const r = await kfc(['report', '--from', join(out, 'report.json'), '--out', out, '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const all = JSON.parse(r.stdout) as FamilyReport;
    assert.deepEqual(
      all.images.map((i) => i.name),
      ['tidy', 'wasteful'],
    );
    const d = await kfc(['report', '--diff', join(out, 'tidy-only.json'), join(out, 'report.json')]);
    assert.equal(d.exitCode, 0, d.stderr);
    assert.match(d.stdout, /^tidy: same; size 139\.\d MB → 139\.\d MB \(\+0 B\)$/m);
    assert.match(d.stdout, /^wasteful: added; new, 179\.\d MB$/m);
  });
});
