// kfc referee's vulnerability scan, offline and for real: a Trivy DB written by trivy-db's own code
// (tools/trivy-fixture-db, from tests/fixtures/referees/trivy-db/advisories.json) and a fixture image
// with a planted Debian package built by dpkg-deb (kfc-planted-vuln 1.0-1). The counts are exact; the
// catalog's gate (no CRITICAL with a fix), ignore-unfixed and the .trivyignore allowlist each change
// the verdict. Needs the engine, the root base, Trivy and Go; in CI a missing one fails.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import type { RefereeFile, RefereeImage } from '../../src/referees/model.ts';
import { findTool } from '../../src/referees/tools.ts';
import { DOCKER, engineAnswers } from '../../src/testing/engine-check.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const fixtureRoot = join(repoRoot, 'tests/fixtures/referees');
const toolDir = join(repoRoot, 'tools/trivy-fixture-db');
const advisories = join(fixtureRoot, 'trivy-db/advisories.json');
const BASE = 'kfc/debian:trixie';
const inCi = Boolean(process.env.CI);
const engineUp = await engineAnswers();
const baseThere = engineUp && (await execa(DOCKER, ['image', 'inspect', BASE], { reject: false })).exitCode === 0;
const goThere = (await execa('go', ['version'], { reject: false })).exitCode === 0;
const trivy = findTool('trivy');
// In CI every part is provisioned (scripts/provision.sh): a missing one fails the suite, never skips it.
const missing = !engineUp
  ? 'no Docker engine answers (run scripts/provision.sh)'
  : !baseThere
    ? `the root base ${BASE} is not in the local store (kfc base)`
    : !trivy
      ? 'Trivy is not installed (scripts/provision-referees.sh)'
      : !goThere
        ? 'Go is not installed (it builds tools/trivy-fixture-db)'
        : false;
if (missing && inCi) throw new Error(`trivy-vulns: ${missing}`);

const repo = `kfc-trivy-it-${randomBytes(3).toString('hex')}`;
const tag = 'it';
const out = mkdtempSync(join(tmpdir(), 'kfc-trivy-vulns-'));
const ALL = { CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 1, UNKNOWN: 0 };
const NONE = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };

/**
 * The fixture DB, built once per content of the tool and the advisories into
 * .kfc/trivy-fixture-db/<hash>/{trivy-fixture-db,cache/db/trivy.db}; returns the Trivy cache dir.
 */
async function fixtureDb(log: (s: string) => void): Promise<string> {
  const h = createHash('sha256');
  for (const f of ['main.go', 'go.mod', 'go.sum']) h.update(readFileSync(join(toolDir, f)));
  h.update(readFileSync(advisories));
  const dir = join(repoRoot, '.kfc/trivy-fixture-db', h.digest('hex').slice(0, 16));
  const cache = join(dir, 'cache');
  if (existsSync(join(cache, 'db', 'trivy.db'))) return cache;
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  let t0 = performance.now();
  const b = await execa('go', ['build', '-trimpath', '-o', join(tmp, 'trivy-fixture-db'), '.'], {
    cwd: toolDir,
    reject: false,
    all: true,
  });
  assert.equal(b.exitCode, 0, `go build tools/trivy-fixture-db: ${b.all}`);
  log(`go build tools/trivy-fixture-db: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  t0 = performance.now();
  const w = await execa(join(tmp, 'trivy-fixture-db'), ['-in', advisories, '-out', join(tmp, 'cache')], {
    reject: false,
    all: true,
  });
  assert.equal(w.exitCode, 0, w.all);
  log(`trivy-fixture-db wrote the DB: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return cache;
}

function kfc(root: string, args: string[], env: Record<string, string>) {
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', root, ...args], {
    reject: false,
    // A result cache of this file's own (empty at each run): the machine's cache is left alone.
    env: { DOCKER_BUILDKIT: '1', KFC_TRIVY: trivy ?? '/missing/trivy', KFC_CACHE_DIR: join(out, 'kfc-cache'), ...env },
  });
}

describe('kfc referee: vulnerabilities against a fixture Trivy DB', { skip: missing }, () => {
  let cache: string;
  let root: string;
  const refArgs = ['--repo', repo, '--tag', tag, '--no-dive', '--out', out];
  const allowlist = join(out, 'allow.trivyignore');
  const referee = async (args: string[], env: Record<string, string> = {}, at = root) => {
    const r = await kfc(at, ['referee', ...args, ...refArgs], { TRIVY_CACHE_DIR: cache, ...env });
    const file = existsSync(join(out, 'referees.json'))
      ? (JSON.parse(readFileSync(join(out, 'referees.json'), 'utf8')) as RefereeFile)
      : undefined;
    const by = (n: string) => file?.images.find((i) => i.name === n) as RefereeImage;
    return { r, by };
  };

  before(async () => {
    cache = await fixtureDb((s) => process.stderr.write(`# ${s}\n`));
    // A copy of the fixture catalog, so a test can change images.yaml and .trivyignore at its root.
    root = join(out, 'catalog');
    cpSync(fixtureRoot, root, { recursive: true });
    const b = await kfc(
      root,
      ['build', 'ref-clean', 'ref-vuln', '--repo', repo, '--tag', tag, '--progress', 'quiet'],
      {},
    );
    assert.equal(b.exitCode, 0, `${b.stdout}\n${b.stderr}`);
  });
  after(async () => {
    for (const n of ['ref-clean', 'ref-vuln'])
      await execa(DOCKER, ['rmi', '-f', `${repo}/${n}:${tag}`], { reject: false });
    rmSync(out, { recursive: true, force: true });
  });

  test('exact counts per severity; the CRITICAL gate fails the planted image, the clean one passes', async () => {
    const t0 = performance.now();
    const { r, by } = await referee(['ref-vuln', 'ref-clean', '--vulns', '--json']);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    process.stderr.write(
      `# two images scanned (SBOM, secrets, vulns) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    const v = by('ref-vuln');
    // 0004 is fixed before the installed 1.0-1, 0005 is for Debian 12: neither is reported.
    assert.deepEqual(v.vulns, ALL);
    // ignore-unfixed (the catalog's default) leaves the HIGH without a fix out of the gate's count.
    assert.deepEqual(v.vulnGate, {
      max: { CRITICAL: 0 },
      ignoreUnfixed: true,
      counts: { ...ALL, HIGH: 0 },
      pass: false,
    });
    assert.ok(v.problems.includes('vulnerabilities: 1 CRITICAL > 0 allowed, fixed ones only'), v.problems.join('; '));
    const c = by('ref-clean');
    assert.deepEqual(c.vulns, NONE);
    assert.equal(c.vulnGate?.pass, true);
    assert.deepEqual(c.problems, []);
    assert.ok((v.seconds.trivy ?? 0) > 0);
  });

  test('--check: the CRITICAL gate fails the run naming image and count; the clean image passes', async () => {
    const fail = await referee(['ref-vuln', '--check']);
    assert.equal(fail.r.exitCode, 1, `${fail.r.stdout}\n${fail.r.stderr}`);
    assert.match(
      fail.r.stderr,
      /kfc referee: FAIL: ref-vuln: vulnerabilities: 1 CRITICAL > 0 allowed, fixed ones only/,
    );
    assert.match(fail.r.stdout, /\| ref-vuln \|.*\| C1 H1 M0 L1 U0; gate CRITICAL 1>0 FAIL \|/);
    const pass = await referee(['ref-clean', '--check']);
    assert.equal(pass.r.exitCode, 0, `${pass.r.stdout}\n${pass.r.stderr}`);
    assert.match(pass.r.stdout, /\| ref-clean \|.*\| C0 H0 M0 L0 U0; gate CRITICAL 0≤0 pass \|/);
  });

  test('ignore-unfixed off (an image gate of its own): the HIGH without a fix counts', async () => {
    const yaml = join(root, 'images.yaml');
    const orig = readFileSync(yaml, 'utf8');
    try {
      writeFileSync(
        yaml,
        orig.replace(
          '    bits: [ref-vuln]\n',
          '    bits: [ref-vuln]\n    gates: { vulnerabilities: { max: { HIGH: 0 }, ignoreUnfixed: false } }\n',
        ),
      );
      const { r, by } = await referee(['ref-vuln', '--json']);
      assert.equal(r.exitCode, 0, r.stderr);
      const v = by('ref-vuln');
      assert.deepEqual(v.vulns, ALL);
      assert.deepEqual(v.vulnGate?.counts, ALL);
      assert.deepEqual(v.vulnGate?.max, { HIGH: 0 });
      assert.deepEqual(v.problems, ['vulnerabilities: 1 HIGH > 0 allowed']);
    } finally {
      writeFileSync(yaml, orig);
    }
  });

  test('.trivyignore: an entry with a reason and an expiry takes its finding out of the gate', async () => {
    writeFileSync(allowlist, '# kfc-planted-vuln is a test fixture, never shipped\nKFC-PLANTED-0001 exp:2099-12-31\n');
    const { r, by } = await referee(['ref-vuln', '--trivyignore', allowlist, '--check', '--json']);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    const v = by('ref-vuln');
    assert.deepEqual(v.vulns, ALL, 'the counts shown are every finding');
    assert.deepEqual(v.vulnGate?.counts, { ...ALL, CRITICAL: 0, HIGH: 0 });
    assert.equal(v.vulnGate?.pass, true);
    assert.equal(v.vulnGate?.ignoreFile, allowlist);
    // Expired: Trivy reports it again, and kfc says so.
    writeFileSync(allowlist, '# was accepted until 2020\nKFC-PLANTED-0001 exp:2020-01-31\n');
    const old = await referee(['ref-vuln', '--trivyignore', allowlist, '--json']);
    assert.equal(old.by('ref-vuln').vulnGate?.counts.CRITICAL, 1);
    assert.match(old.r.stderr, /allow\.trivyignore:2: KFC-PLANTED-0001 expired on 2020-01-31: Trivy reports it again/);
  });

  test('a .trivyignore entry without a reason or an expiry is a one-line error at its line', async () => {
    const file = join(root, '.trivyignore');
    try {
      writeFileSync(file, '# why: fixture\nKFC-PLANTED-0001 exp:2099-01-01\n\nKFC-PLANTED-0003 exp:2099-01-01\n');
      const a = await referee(['ref-vuln']);
      assert.equal(a.r.exitCode, 2, a.r.stderr);
      assert.match(
        a.r.stderr,
        /^kfc: error: \.trivyignore:4: KFC-PLANTED-0003 has no reason \(fix: put a comment line just above it/m,
      );
      writeFileSync(file, '# fixture\nKFC-PLANTED-0001\n');
      const b = await referee(['ref-vuln']);
      assert.equal(b.r.exitCode, 2, b.r.stderr);
      assert.match(
        b.r.stderr,
        /^kfc: error: \.trivyignore:2: KFC-PLANTED-0001 has no expiry \(fix: add exp:YYYY-MM-DD/m,
      );
      assert.doesNotMatch(b.r.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      rmSync(file, { force: true });
    }
  });

  test('without a DB: "not scanned (no DB)"; --vulns is then an error naming the fix', async () => {
    const empty = join(out, 'empty-cache');
    mkdirSync(empty, { recursive: true });
    const { r, by } = await referee(['ref-vuln'], { TRIVY_CACHE_DIR: empty });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(by('ref-vuln').vulns, undefined);
    assert.match(r.stdout, /\| ref-vuln \|.*\| not scanned \(no DB\) \|/);
    assert.match(r.stderr, /vulnerabilities not scanned \(no DB in /);
    const e = await referee(['ref-vuln', '--vulns'], { TRIVY_CACHE_DIR: empty });
    assert.equal(e.r.exitCode, 2);
    assert.match(
      e.r.stderr,
      new RegExp(
        /^kfc: error: --vulns: no Trivy vulnerability DB in .*empty-cache \(db\/trivy\.db\) /.source +
          /\(fix: trivy image --download-db-only/.source,
        'm',
      ),
    );
  });
});
