// The pending-Debian-updates gate for real: kfc referee and kfc report start a throwaway container
// from each fixture image as root, read fresh lists from Debian's archives (and the fixture's local
// suite named trixie-security) and count what is newer there. secu-stale has one pending update
// (kfc-secu-demo 1.0-1 → 1.0-1+deb13u1): the gate fails naming it; an allow entry with a reason and a
// future expiry passes it; an expired one fails it again; secu-fixed, with the update, passes; with
// no network the check says "not run: archive unreachable" and fails only under CI=true.
// Needs the engine, the root base and deb.debian.org; in CI a missing one fails.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import type { RefereeFile } from '../../src/referees/model.ts';
import { securityUpdates } from '../../src/referees/security-updates.ts';
import type { FamilyReport } from '../../src/report/model.ts';
import { needs } from '../../src/testing/parts.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const fixtureRoot = join(repoRoot, 'tests/fixtures/security-updates');
const DOCKER = '/usr/bin/docker';
const BASE = 'kfc/debian:trixie';
const engineUp =
  (await execa(DOCKER, ['version', '--format', '{{.Server.Version}}'], { reject: false })).exitCode === 0;
const baseThere = engineUp && (await execa(DOCKER, ['image', 'inspect', BASE], { reject: false })).exitCode === 0;
const archive = await fetch('http://deb.debian.org/debian-security/dists/trixie-security/InRelease', {
  method: 'HEAD',
  signal: AbortSignal.timeout(10_000),
}).then(
  (r) => r.ok,
  () => false,
);
const missing = needs(
  !engineUp
    ? 'no Docker engine answers (run scripts/provision.sh)'
    : !baseThere
      ? `the root base ${BASE} is not in the local store (kfc base)`
      : !archive
        ? "Debian's security archive (deb.debian.org/debian-security) is unreachable"
        : false,
);

const repo = `kfc-secu-it-${randomBytes(3).toString('hex')}`;
const tag = 'it';
const out = mkdtempSync(join(tmpdir(), 'kfc-secu-'));
const root = join(out, 'catalog');
const PAIR = 'kfc-secu-demo 1.0-1 → 1.0-1+deb13u1';
/** PAIR as a regular expression ('+' and '.' literally). */
const PAIR_RE = PAIR.replace(/[.+]/g, (c) => `\\${c}`);

function kfc(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', root, ...args], {
    reject: false,
    env: { DOCKER_BUILDKIT: '1', CI: '', ...env },
  });
}

describe('gates.securityUpdates: pending Debian updates', { skip: missing }, () => {
  const yaml = join(root, 'images.yaml');
  let orig = '';
  const referee = async (images: string[], env: Record<string, string> = {}) => {
    const args = ['referee', ...images, '--repo', repo, '--tag', tag, '--no-dive', '--no-trivy', '--out', out];
    const r = await kfc([...args, '--check'], env);
    const file = JSON.parse(readFileSync(join(out, 'referees.json'), 'utf8')) as RefereeFile;
    return { r, by: (n: string) => file.images.find((i) => i.name === n)! };
  };

  before(async () => {
    cpSync(fixtureRoot, root, { recursive: true });
    orig = readFileSync(yaml, 'utf8');
    const g = await kfc(['generate']);
    assert.equal(g.exitCode, 0, g.stderr);
    const b = await kfc(['build', 'secu-stale', 'secu-fixed', '--repo', repo, '--tag', tag, '--progress', 'quiet']);
    assert.equal(b.exitCode, 0, `${b.stdout}\n${b.stderr}`);
  });
  after(async () => {
    for (const n of ['secu-stale', 'secu-fixed'])
      await execa(DOCKER, ['rmi', '-f', `${repo}/${n}:${tag}`], { reject: false });
    rmSync(out, { recursive: true, force: true });
  });

  test('kfc referee --check fails on the pending update, naming it with its version pair', async () => {
    const { r, by } = await referee(['secu-stale']);
    assert.equal(r.exitCode, 1, `${r.stdout}\n${r.stderr}`);
    const u = by('secu-stale').securityUpdates!;
    assert.deepEqual(
      u.pending.map((p) => `${p.package} ${p.installed} → ${p.candidate}`),
      [PAIR],
    );
    assert.deepEqual(u.pending[0]!.archives, ['trixie-security']);
    assert.equal(u.count, 1);
    assert.equal(u.pass, false);
    assert.match(
      r.stderr,
      new RegExp(`kfc referee: FAIL: secu-stale: security updates: 1 pending: ${PAIR_RE} \\(max 0\\) FAIL`),
    );
    assert.match(r.stdout, new RegExp(`\\| secu-stale \\|.*\\| 1 pending: ${PAIR_RE} \\(max 0\\) FAIL \\|`));
    process.stderr.write(`# secu-stale checked in ${u.seconds} s\n`);
  });

  test('the image with the update passes', async () => {
    const { r, by } = await referee(['secu-fixed']);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    const u = by('secu-fixed').securityUpdates!;
    assert.deepEqual(u.pending, []);
    assert.equal(u.pass, true);
  });

  test('an allow entry with a reason and a future expiry passes; an expired one fails again', async () => {
    const allow = (expires: string) =>
      orig.replace(
        '    bits: [secu-stale]\n',
        '    bits: [secu-stale]\n    gates:\n      securityUpdates:\n        max: 0\n        allow:\n' +
          `          - { package: kfc-secu-demo, reason: fixture package, expires: "${expires}" }\n`,
      );
    try {
      writeFileSync(yaml, allow('2099-12-31'));
      const ok = await referee(['secu-stale']);
      assert.equal(ok.r.exitCode, 0, `${ok.r.stdout}\n${ok.r.stderr}`);
      const u = ok.by('secu-stale').securityUpdates!;
      assert.equal(u.count, 0);
      assert.deepEqual(
        u.allowed.map((a) => [a.package, a.reason, a.expires]),
        [['kfc-secu-demo', 'fixture package', '2099-12-31']],
      );
      writeFileSync(yaml, allow('2020-01-31'));
      const old = await referee(['secu-stale']);
      assert.equal(old.r.exitCode, 1, `${old.r.stdout}\n${old.r.stderr}`);
      assert.match(old.r.stdout, /allow entry kfc-secu-demo expired 2020-01-31 \(max 0\) FAIL/);
      writeFileSync(yaml, allow('2099-02-30'));
      const bad = await referee(['secu-stale']);
      assert.equal(bad.r.exitCode, 2, bad.r.stderr);
      assert.match(bad.r.stderr, /expires/);
      assert.doesNotMatch(bad.r.stderr, /\n\s+at /, 'one line, no stack trace');
    } finally {
      writeFileSync(yaml, orig);
    }
  });

  test('kfc report --check: a gate breach, and the count in text, Markdown and HTML', async () => {
    const args = ['report', 'secu-stale', 'secu-fixed', '--repo', repo, '--tag', tag, '--starts', '0'];
    const r = await kfc([...args, '--no-manifests', '--out', out, '--check']);
    assert.equal(r.exitCode, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, new RegExp(`gate FAIL: secu-stale: pending Debian security updates: 1 pending: ${PAIR_RE}`));
    assert.match(r.stdout, /^secu-stale\s.*\s1\s+FAIL 1$/m);
    assert.match(r.stdout, /^secu-fixed\s.*\s0\s+ok$/m);
    // Checked once per image (the one hook after measuring), never from the result cache.
    for (const n of ['secu-stale', 'secu-fixed'])
      assert.equal(r.stderr.split(`kfc: ${n}: pending Debian security updates:`).length - 1, 1, r.stderr);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as FamilyReport;
    assert.equal(report.images.find((i) => i.name === 'secu-stale')!.securityUpdates!.count, 1);
    assert.match(
      readFileSync(join(out, 'secu-stale.md'), 'utf8'),
      new RegExp(`pending Debian security updates: 1 pending: ${PAIR_RE}`),
    );
    assert.match(readFileSync(join(out, 'index.html'), 'utf8'), new RegExp(`<li><code>${PAIR_RE}</code></li>`));
  });

  test('no network: "not run: archive unreachable", failing only under CI', async () => {
    const ref = `${repo}/secu-fixed:${tag}`;
    const opts = { mirror: 'http://deb.debian.org/debian', securityMirror: 'http://deb.debian.org/debian-security' };
    const gate = { max: 0, allow: [] };
    const here = await securityUpdates(ref, gate, { ...opts, network: 'none', ci: false });
    assert.equal(here.notRun, 'archive unreachable');
    assert.equal(here.pass, true);
    const ci = await securityUpdates(ref, gate, { ...opts, network: 'none', ci: true });
    assert.equal(ci.notRun, 'archive unreachable');
    assert.equal(ci.pass, false);
  });
});
