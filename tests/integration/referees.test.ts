// The field's own tools as referees of kfc, on real images: hadolint on generated Dockerfiles
// (findings at bit:line), buildx reading and building kfc's bake file with the local engine, dive
// cross-checking kfc's efficiency figures from the same saved archive, and Trivy's SBOM and secret
// scan (a planted secret must be found, a clean image must have none). Fixture images are tiny and
// built FROM the local root base kfc/debian:trixie: nothing is pulled.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { findBuildx } from '../../src/engine/buildx.ts';
import type { RefereeFile } from '../../src/referees/model.ts';
import { findTool } from '../../src/referees/tools.ts';
import type { FamilyReport } from '../../src/report/model.ts';
import { DOCKER, engineAnswers } from '../../src/testing/engine-check.ts';
import { bitLine } from '../unit/helpers.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const fixtureRoot = join(repoRoot, 'tests/fixtures/referees');
const BASE = 'kfc/debian:trixie';
const engineUp = await engineAnswers();
const baseThere = engineUp && (await execa(DOCKER, ['image', 'inspect', BASE], { reject: false })).exitCode === 0;
const noEngine = !engineUp
  ? 'no Docker engine answers (run scripts/provision.sh)'
  : !baseThere
    ? `the root base ${BASE} is not in the local store (kfc base)`
    : false;
// In CI the tools are provisioned (scripts/provision-referees.sh): a missing one fails there, never skips.
const inCi = Boolean(process.env.CI);
const tool = (t: Parameters<typeof findTool>[0]) => findTool(t) ?? (inCi ? `/missing/${t}` : undefined);
const hadolint = tool('hadolint');
const dive = tool('dive');
const trivy = tool('trivy');
// buildx as kfc build finds it (src/engine/buildx.ts): its argv before buildx's own arguments.
const buildx = await findBuildx().catch(() => (inCi ? ['/missing/buildx'] : undefined));

const repo = `kfc-referees-it-${randomBytes(3).toString('hex')}`;
const tag = 'it';
const built = ['ref-clean', 'ref-dirgone', 'ref-planted'];
const out = mkdtempSync(join(tmpdir(), 'kfc-referees-'));

// A result cache of this file's own: every run starts empty, and the machine's cache is left alone.
const cacheDir = join(out, 'kfc-cache');

function kfc(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', fixtureRoot, ...args], {
    reject: false,
    env: { DOCKER_BUILDKIT: '1', KFC_CACHE_DIR: cacheDir, ...env },
  });
}

/** The images a run saved, from its "saved" lines. */
const savedImages = (stderr: string, verb = 'report') =>
  [...stderr.matchAll(new RegExp(`^kfc ${verb}: ([\\w-]+): saved `, 'gm'))].map((m) => m[1]);

describe('hadolint beside kfc lint', {
  skip: hadolint ? false : 'hadolint not installed (scripts/provision-referees.sh)',
}, () => {
  test('findings point at the bit and line; rules kfc lint owns are reported by kfc lint only', async () => {
    const r = await kfc(['hadolint', '--config', join(repoRoot, '.hadolint.yaml'), '--json'], {
      KFC_HADOLINT: hadolint!,
    });
    assert.equal(r.exitCode, 1, `${r.stdout}\n${r.stderr}`);
    const { findings } = JSON.parse(r.stdout) as {
      findings: { file: string; line: number; code: string; images: string[] }[];
    };
    assert.deepEqual(
      findings.map((f) => `${f.file}:${f.line} ${f.code} ${f.images.join(',')}`),
      [`${bitLine(fixtureRoot, 'ref-linted', 'ADD data/')} DL3020 ref-linted`],
    );
    // apt-get install without --no-install-recommends: kfc lint's apt-no-recommends, not hadolint's DL3015.
    const lint = await kfc(['lint', 'ref-linted']);
    assert.ok(
      lint.stdout.includes(`${bitLine(fixtureRoot, 'ref-linted', 'apt-get install')}: apt-no-recommends error`),
      lint.stdout,
    );
  });

  test("the repository's own generated Dockerfiles pass hadolint", async () => {
    const r = await execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', repoRoot, 'hadolint'], {
      reject: false,
      env: { KFC_HADOLINT: hadolint! },
    });
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /hadolint: 0 failing/);
  });
});

describe("buildx reads and builds kfc's bake file", {
  skip: noEngine || (buildx ? false : 'docker-buildx not installed (scripts/provision-referees.sh)'),
}, () => {
  const bakeFile = join(out, 'docker-bake.json');
  after(async () => {
    for (const n of ['ref-clean', 'ref-planted'])
      await execa(DOCKER, ['rmi', '-f', `${repo}-bake/${n}:${tag}`], { reject: false });
  });

  test("bake --print accepts the whole catalog's bake file", async () => {
    const file = join(out, 'catalog-bake.json');
    const w = await execa(
      process.execPath,
      [
        join(repoRoot, 'bin/kfc.js'),
        '--root',
        repoRoot,
        'bake',
        '--no-git-tags',
        '--out',
        file,
        '--ca-bundle',
        '/etc/ssl/certs/ca-certificates.crt',
      ],
      { reject: false },
    );
    assert.equal(w.exitCode, 0, w.stderr);
    const mine = JSON.parse(readFileSync(file, 'utf8')) as {
      target: Record<string, unknown>;
      group: { default: { targets: string[] } };
    };
    // Every target, internal stages too (the default group holds the published images only).
    const p = await execa(
      buildx![0]!,
      [...buildx!.slice(1), 'bake', '-f', file, '--print', ...Object.keys(mine.target)],
      {
        cwd: repoRoot,
        reject: false,
      },
    );
    assert.equal(p.exitCode, 0, p.stderr);
    const printed = JSON.parse(p.stdout) as {
      target: Record<string, { context: string; dockerfile?: string; secret?: string[] }>;
    };
    assert.deepEqual(Object.keys(printed.target).sort(), Object.keys(mine.target).sort());
    assert.equal(printed.target['jupyterlab-cpu']?.context, 'output/jupyterlab-cpu');
    assert.ok(!mine.group.default.targets.includes('foundation'), 'internal stages are not published');
    // The index URL comes from the environment at build time: the file holds no URL or credential.
    assert.deepEqual(printed.target['jupyterlab-cpu']?.secret, [
      'id=ca,src=/etc/ssl/certs/ca-certificates.crt',
      'id=pip-index-url,env=KFC_PYTHON_INDEX_URL',
    ]);
  });

  test('bake builds fixture images with the local engine, and they are what kfc build makes', async () => {
    const w = await kfc([
      'bake',
      'ref-clean',
      'ref-planted',
      '--repo',
      `${repo}-bake`,
      '--tag',
      tag,
      '--no-git-tags',
      '--no-registry-cache',
      '--out',
      bakeFile,
    ]);
    assert.equal(w.exitCode, 0, w.stderr);
    const b = await execa(buildx![0]!, [...buildx!.slice(1), 'bake', '-f', bakeFile, '--progress', 'plain'], {
      cwd: fixtureRoot,
      reject: false,
      all: true,
    });
    assert.equal(b.exitCode, 0, b.all);
    const cfg = await execa(DOCKER, [
      'image',
      'inspect',
      '--format',
      '{{.Config.User}} {{index .Config.Labels "org.kfc.parent"}}',
      `${repo}-bake/ref-planted:${tag}`,
    ]);
    assert.equal(cfg.stdout, '1000 ref-clean');
  });
});

describe('kfc referee on real images: dive and Trivy from one saved archive', {
  skip: noEngine || (dive ? false : 'dive not installed (scripts/provision-referees.sh)'),
}, () => {
  let file: RefereeFile;
  before(async () => {
    const b = await kfc(['build', ...built, '--repo', repo, '--tag', tag, '--progress', 'quiet']);
    assert.equal(b.exitCode, 0, `${b.stdout}\n${b.stderr}`);
  });
  after(async () => {
    for (const n of built) await execa(DOCKER, ['rmi', '-f', `${repo}/${n}:${tag}`], { reject: false });
    rmSync(out, { recursive: true, force: true });
  });

  test('dive and kfc agree on every image; the planted secret is found, nothing else', async () => {
    const env: Record<string, string> = { KFC_DIVE: dive! };
    const args = [
      'referee',
      ...built,
      '--repo',
      repo,
      '--tag',
      tag,
      '--dive-ci',
      join(repoRoot, '.dive-ci'),
      '--out',
      out,
      '--json',
    ];
    if (trivy) env.KFC_TRIVY = trivy;
    else args.push('--no-trivy');
    const r = await kfc(args, env);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(savedImages(r.stderr, 'referee'), built, 'one save per image, read by kfc, dive and Trivy');
    file = JSON.parse(readFileSync(join(out, 'referees.json'), 'utf8')) as RefereeFile;
    const by = new Map(file.images.map((i) => [i.name, i]));
    for (const name of built) {
      const d = by.get(name)!.dive!;
      assert.ok(d.agree, `${name}: ${d.problems.join('; ')}`);
      assert.ok(Math.abs(d.efficiencyDelta) <= 0.005 && Math.abs(d.wastedDelta) <= 1e6);
    }
    assert.equal(by.get('ref-clean')!.dive!.kfc.efficiency, 1);
    // The documented difference: the removed directory's 5 MB are waste for kfc, not for dive.
    const g = by.get('ref-dirgone')!.dive!;
    assert.equal(g.kfc.wastedBytes, 7_000_000);
    assert.equal(g.kfc.directoryRemovedBytes, 5_000_000);
    assert.equal(g.dive.wastedBytes, 2_000_000);
    assert.equal(g.kfcDiveStyle.wastedBytes, 2_000_000);
    assert.equal(g.kfcGatePass, false);
    assert.equal(g.dive.pass, true);
    if (trivy) {
      assert.deepEqual(by.get('ref-clean')!.secrets, []);
      assert.deepEqual(by.get('ref-dirgone')!.secrets, []);
      const planted = by.get('ref-planted')!.secrets!;
      assert.deepEqual(
        planted.map((s) => `${s.target} ${s.rule}`),
        ['/etc/ref-planted/env github-pat'],
      );
      assert.ok(by.get('ref-clean')!.sbom!.byType.deb! > 50, 'the Debian base lists its packages');
    }
  });

  test('kfc report --referees: one save per image for both; then from the result cache; --no-result-cache again', {
    skip: trivy ? false : 'Trivy not installed (scripts/provision-referees.sh)',
  }, async () => {
    const both = join(out, 'both');
    const cache = { KFC_CACHE_DIR: join(out, 'cache-both'), KFC_DIVE: dive!, KFC_TRIVY: trivy! };
    const args = [
      'report',
      'ref-clean',
      'ref-dirgone',
      '--repo',
      repo,
      '--tag',
      tag,
      '--starts',
      '0',
      '--no-manifests',
    ].concat(['--referees', '--dive-ci', join(repoRoot, '.dive-ci'), '--out', both]);
    const first = await kfc(args, cache);
    // ref-dirgone breaks the efficiency gate (not --check here): its report is never stored, its verdict is.
    assert.equal(first.exitCode, 0, `${first.stdout}\n${first.stderr}`);
    assert.deepEqual(savedImages(first.stderr), ['ref-clean', 'ref-dirgone']);
    assert.match(first.stderr, /^kfc report: ref-clean: saved \S+ \(0\.\d\d GB, to \S+ref-clean\.tar\) in [\d.]+ s$/m);
    const report = JSON.parse(readFileSync(join(both, 'report.json'), 'utf8')) as FamilyReport;
    const referees = JSON.parse(readFileSync(join(both, 'referees.json'), 'utf8')) as RefereeFile;
    for (const name of ['ref-clean', 'ref-dirgone']) {
      const s = report.images.find((i) => i.name === name)!.seconds!;
      assert.ok(
        s.save > 0 && s.dive! > 0 && s.trivy! > 0 && s.total + 0.3 >= s.save + s.dive! + s.trivy!,
        JSON.stringify(s),
      );
      const j = referees.images.find((i) => i.name === name)!;
      assert.ok(j.dive?.agree && j.sbom!.total > 50, name);
      assert.equal(
        report.images.find((i) => i.name === name)!.referees?.sbom?.total,
        j.sbom!.total,
        'shown in the report',
      );
    }
    assert.match(first.stdout, /^\| ref-clean \| [\d.]+ \| [\d.]+ \| - \| - \| [\d.]+ \| [\d.]+ \| [\d.]+ \| - \|$/m);

    rmSync(join(both, 'sbom'), { recursive: true });
    const again = await kfc(args, cache);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stderr, /^kfc report: ref-clean: cached \(key [0-9a-f]{12}, stored [\dT:.Z-]+\)$/m);
    assert.match(again.stderr, /^kfc report: ref-clean: referees cached \(key [0-9a-f]{12}, stored [\dT:.Z-]+\)$/m);
    assert.match(again.stderr, /^kfc report: ref-dirgone: referees cached \(key /m);
    // Only the failing report is measured again, from a streamed save: no file, dive or Trivy.
    assert.deepEqual(savedImages(again.stderr), ['ref-dirgone']);
    assert.match(again.stderr, /ref-dirgone: saved \S+ \(0\.\d\d GB, read as it streamed\)/);
    const sboms = JSON.parse(readFileSync(join(both, 'referees.json'), 'utf8')) as RefereeFile;
    assert.deepEqual(
      sboms.images.map((i) => [i.name, i.cached !== undefined, existsSync(i.sbom!.file)]),
      [
        ['ref-clean', true, true],
        ['ref-dirgone', true, true],
      ],
      'the SBOMs are written again from the cache',
    );

    const off = await kfc([...args, '--no-result-cache'], cache);
    assert.equal(off.exitCode, 0, off.stderr);
    assert.deepEqual(savedImages(off.stderr), ['ref-clean', 'ref-dirgone']);
    assert.doesNotMatch(off.stderr, /cached/);
  });

  test('--check fails on the planted secret, naming image, rule and file', {
    skip: trivy ? false : 'Trivy not installed (scripts/provision-referees.sh)',
  }, async () => {
    const r = await kfc(
      ['referee', 'ref-planted', '--repo', repo, '--tag', tag, '--no-dive', '--out', out, '--check'],
      { KFC_TRIVY: trivy! },
    );
    assert.equal(r.exitCode, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stderr,
      /kfc referee: FAIL: ref-planted: secret: github-pat \(CRITICAL\) in \/etc\/ref-planted\/env/,
    );
  });

  test('a disagreement fails --check: dive judging by a rule kfc does not have', async () => {
    // ref-dirgone wastes 2 MB by both tools' counts (the chmod) and passes the efficiency gate
    // dive-style; a dive rule capping wasted bytes at 1 MB fails it while kfc passes: CI must fail.
    const strict = join(out, 'strict.dive-ci');
    writeFileSync(
      strict,
      'rules:\n  lowestEfficiency: 0.99\n  highestWastedBytes: 1000000\n  highestUserWastedPercent: disabled\n',
    );
    const r = await kfc(
      [
        'referee',
        'ref-dirgone',
        '--repo',
        repo,
        '--tag',
        tag,
        '--no-trivy',
        '--dive-ci',
        strict,
        '--out',
        out,
        '--check',
      ],
      { KFC_DIVE: dive! },
    );
    assert.equal(r.exitCode, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(
        /kfc referee: FAIL: ref-dirgone: dive vs kfc: gate verdicts differ: /.source +
          /kfc PASS after taking out 5000000 bytes .* dive FAIL \(highestWastedBytes/.source,
      ),
    );
  });
});
