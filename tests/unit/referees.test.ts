// The referee tools' outputs, read (pure): dive's CI text, hadolint's JSON mapped to bits, Trivy's
// SBOM / secret / vulnerability reports, and the documented dive/kfc accounting difference.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { analyzeLayers } from '../../src/metrics/efficiency.ts';
import type { LayerContent } from '../../src/metrics/layer-content.ts';
import { crossCheck, parseDiveCi } from '../../src/referees/dive.ts';
import { directoryRemovedBytes } from '../../src/referees/dive-style.ts';
import { mapHadolint, mergeFindings, parseHadolintJson } from '../../src/referees/hadolint.ts';
import { findTool } from '../../src/referees/tools.ts';
import { sbomCounts, trivySecrets, vulnCounts } from '../../src/referees/trivy.ts';

const root = new URL('../..', import.meta.url).pathname;
const ESC = String.fromCharCode(27);

// dive 0.13.1 `--ci` output for the wasteful fixture, colours and all.
const TOO_LOW = 'image efficiency is too low (efficiency=0.8887629982661266 < threshold=0.99)';
const DIVE_FAIL = `  Using CI config: .dive-ci
${ESC}[1mImage Source: ${ESC}[0mdocker-archive://wasteful.tar
${ESC}[1mAnalyzing image...${ESC}[0m
  efficiency: 88.8763 %
  wastedBytes: 40000000 bytes (40 MB)
  userWastedPercent: 66.6666 %
${ESC}[1mInefficient Files:${ESC}[0m
Count  Wasted Space  File Path
    2         40 MB  /opt/fixture/blob.bin
${ESC}[1mResults:${ESC}[0m
  ${ESC}[34mSKIP${ESC}[0m: highestUserWastedPercent: rule disabled
  ${ESC}[34mSKIP${ESC}[0m: highestWastedBytes: rule disabled
  ${ESC}[1;7;31mFAIL${ESC}[0m: lowestEfficiency: ${TOO_LOW}
${ESC}[31mResult:FAIL [Total:3] [Passed:0] [Failed:1] [Warn:0] [Skipped:2]${ESC}[0m
`;

test('parseDiveCi reads figures, rules and the verdict of dive --ci', () => {
  const d = parseDiveCi(DIVE_FAIL);
  assert.equal(d.efficiency, 0.888763);
  assert.equal(d.wastedBytes, 40_000_000);
  assert.ok(Math.abs(d.userWastedRatio - 0.666666) < 1e-9);
  assert.equal(d.pass, false);
  assert.deepEqual(
    d.rules.map((r) => `${r.status} ${r.rule}`),
    ['SKIP highestUserWastedPercent', 'SKIP highestWastedBytes', 'FAIL lowestEfficiency'],
  );
  assert.throws(() => parseDiveCi('Analyzing image...\n'), /no efficiency line/);
  const pass = parseDiveCi(
    DIVE_FAIL.replace(/FAIL\S*: lowestEfficiency.*$/m, 'PASS: lowestEfficiency').replace(/Result:FAIL/, 'Result:PASS'),
  );
  assert.equal(pass.pass, true);
});

const fig = (
  efficiency: number,
  wastedBytes: number,
  extra: Partial<{ minBytes: number; cumulativeBytes: number; directoryRemovedBytes: number }> = {},
) => ({
  efficiency,
  wastedBytes,
  minBytes: efficiency * 100e6,
  cumulativeBytes: 100e6,
  directoryRemovedBytes: 0,
  minEfficiency: 0.99,
  ...extra,
});

test('crossCheck: agreement within 0.5 points and 1 MB, same gate verdict', () => {
  const dive = parseDiveCi(DIVE_FAIL);
  const same = crossCheck('w', fig(0.888763, 40_000_000), dive);
  assert.equal(same.agree, true, same.problems.join('; '));
  const off = crossCheck('w', fig(0.9, 42_000_000), dive);
  assert.equal(off.agree, false);
  assert.match(off.problems.join('\n'), /efficiency kfc 90\.0000 % vs dive 88\.8763 %/);
  assert.match(off.problems.join('\n'), /wasted bytes kfc 42000000 vs dive 40000000/);
  // Figures close, verdicts apart: a disagreement too.
  const verdict = crossCheck('w', { ...fig(0.888763, 40_000_000), minEfficiency: 0.5 }, dive);
  assert.match(verdict.problems.join('\n'), /gate verdicts differ: kfc PASS, dive FAIL \(lowestEfficiency/);
});

test('crossCheck takes out the documented directory-removal difference before comparing', () => {
  const divePass = parseDiveCi(
    DIVE_FAIL.replace('88.8763', '100.0000')
      .replace('40000000 bytes', '0 bytes')
      .replace(/FAIL\S*: lowestEfficiency.*$/m, 'PASS: lowestEfficiency')
      .replace('Result:FAIL', 'Result:PASS'),
  );
  const c = crossCheck(
    'd',
    {
      efficiency: 0.95,
      wastedBytes: 5_000_000,
      minBytes: 95e6,
      cumulativeBytes: 100e6,
      directoryRemovedBytes: 5_000_000,
      minEfficiency: 0.99,
    },
    divePass,
  );
  assert.equal(c.agree, true, c.problems.join('; '));
  assert.equal(c.kfcGatePass, false, 'kfc report --check still fails it with its own accounting');
  assert.equal(c.kfcDiveStyle.wastedBytes, 0);
  assert.equal(c.kfcDiveStyle.efficiency, 1);
});

const layer = (entries: [string, number][], whiteouts: string[] = [], opaques: string[] = []): LayerContent => ({
  entries: entries.map(([path, size]) => ({ path, kind: size < 0 ? 'dir' : 'file', size: Math.max(size, 0) })),
  whiteouts,
  opaques,
});

test('directoryRemovedBytes: files removed with their directory, once written; not single files', () => {
  const layers = [
    layer([['etc/os', 100]]),
    layer([
      ['opt/gone', -1],
      ['opt/gone/a', 3_000_000],
      ['opt/gone/sub/b', 2_000_000],
      ['opt/f', 1_000_000],
    ]),
    layer([], ['opt/gone', 'opt/f']),
  ];
  assert.equal(directoryRemovedBytes(layers), 5_000_000);
  // kfc counts them as waste; dive would not.
  assert.equal(analyzeLayers(layers).wastedBytes, 6_000_000);
  // An opaque directory hides the lower files the same way.
  assert.equal(directoryRemovedBytes([layer([['d/x', 7]]), layer([['d/y', 1]], [], ['d'])]), 7);
  // Written twice before the removal: both tools count it as waste already.
  assert.equal(directoryRemovedBytes([layer([['d/x', 7]]), layer([['d/x', 7]]), layer([], ['d'])]), 0);
  // Written again after: two occurrences in dive too.
  assert.equal(directoryRemovedBytes([layer([['d/x', 7]]), layer([], ['d']), layer([['d/x', 7]])]), 0);
});

test('hadolint findings map to bit:line and merge across the images that share them', () => {
  const raw = parseHadolintJson(
    JSON.stringify([{ code: 'DL3020', column: 1, file: '-', level: 'error', line: 3, message: 'Use COPY' }]),
    'x',
  );
  const origins = [
    { file: 'images.yaml', line: 1 },
    { file: 'images.yaml', line: 1 },
    { file: 'docker-bits/a.Dockerfile', line: 7, bit: 'a' },
  ];
  const a = mapHadolint(raw, origins, 'img-a');
  const b = mapHadolint(raw, origins, 'img-b');
  assert.deepEqual(mergeFindings([a, b]), [
    {
      file: 'docker-bits/a.Dockerfile',
      line: 7,
      code: 'DL3020',
      level: 'error',
      message: 'Use COPY',
      images: ['img-a', 'img-b'],
    },
  ]);
  assert.throws(
    () => parseHadolintJson('oops', 'output/x/Dockerfile'),
    /output\/x\/Dockerfile: hadolint did not print JSON/,
  );
  assert.throws(() => parseHadolintJson('[{"line":1}]', 'y'), /lacks code/);
});

test('.hadolint.yaml: every ignored rule has a reason; kfc lint owns the overlapping ones', () => {
  const text = readFileSync(`${root}/.hadolint.yaml`, 'utf8');
  const cfg = parseYaml(text) as { ignored: string[]; 'failure-threshold': string };
  assert.equal(cfg['failure-threshold'], 'warning');
  for (const rule of cfg.ignored) {
    const line = text.split('\n').find((l) => new RegExp(`^\\s*- ${rule}\\b`).test(l));
    assert.match(line ?? '', /#\s*\S.{10,}/, `${rule} has no one-line reason`);
  }
  for (const [rule, owner] of [
    ['DL3015', 'apt-no-recommends'],
    ['DL3009', 'apt-lists-cleanup'],
    ['DL4006', 'pipefail'],
    ['DL3002', 'final-user'],
    ['DL3007', 'base-pinned'],
  ]) {
    assert.ok(cfg.ignored.includes(rule!), `${rule} overlaps kfc lint ${owner}: hadolint must not report it twice`);
    assert.match(text, new RegExp(`${rule} #.*kfc lint ${owner}`));
  }
});

test('.dive-ci has the same efficiency threshold as kfc report --check', () => {
  assert.match(readFileSync(`${root}/.dive-ci`, 'utf8'), /^\s*lowestEfficiency: 0\.99$/m);
});

test('sbomCounts counts CycloneDX packages by purl type, nested ones too, once each', () => {
  const bom = {
    bomFormat: 'CycloneDX',
    components: [
      { type: 'operating-system', name: 'debian' },
      { type: 'library', purl: 'pkg:deb/debian/bash@5.2?arch=amd64' },
      { type: 'library', purl: 'pkg:deb/debian/bash@5.2?arch=amd64' },
      { type: 'application', name: 'opt/conda', components: [{ type: 'library', purl: 'pkg:pypi/numpy@2.1' }] },
      { type: 'library', purl: 'pkg:npm/code-server@4' },
    ],
  };
  assert.deepEqual(sbomCounts(bom), { byType: { deb: 1, npm: 1, pypi: 1 }, total: 3 });
  assert.throws(() => sbomCounts({ spdxVersion: 'SPDX-2.3' }), /not a CycloneDX BOM/);
});

test('trivySecrets and vulnCounts read Trivy JSON reports', () => {
  const report = {
    Results: [
      {
        Target: '/etc/ref-planted/env',
        Class: 'secret',
        Secrets: [{ RuleID: 'github-pat', Severity: 'CRITICAL', Title: 'GitHub Personal Access Token', StartLine: 1 }],
      },
      {
        Target: 'debian',
        Vulnerabilities: [
          { VulnerabilityID: 'CVE-1', PkgName: 'a', Severity: 'HIGH' },
          { VulnerabilityID: 'CVE-2', PkgName: 'b', Severity: 'LOW' },
        ],
      },
      { Target: 'again', Vulnerabilities: [{ VulnerabilityID: 'CVE-1', PkgName: 'a', Severity: 'HIGH' }] },
    ],
  };
  assert.deepEqual(trivySecrets(report), [
    {
      target: '/etc/ref-planted/env',
      rule: 'github-pat',
      severity: 'CRITICAL',
      title: 'GitHub Personal Access Token',
      line: 1,
    },
  ]);
  assert.deepEqual(vulnCounts(report), { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 1, UNKNOWN: 0 });
  assert.deepEqual(trivySecrets({}), []);
});

test('findTool: KFC_<TOOL> wins, then the provisioned folders, then PATH', () => {
  assert.equal(findTool('dive', { KFC_DIVE: '/x/dive' }), '/x/dive');
  assert.equal(
    findTool('hadolint', { KFC_TOOLS_DIR: '/nonexistent', KFC_REFEREES_DIR: '/nonexistent', PATH: '/nonexistent' }),
    undefined,
  );
  assert.equal(
    findTool('trivy', { KFC_TOOLS_DIR: '/nonexistent', KFC_REFEREES_DIR: '/nonexistent', PATH: '/bin' }),
    undefined,
  );
});

test('blobFetches reads blob downloads (200) from the registry access log', async () => {
  const { blobFetches } = await import('../../src/nodepull/pull-bytes.ts');
  const d = 'sha256:' + 'a'.repeat(64);
  const lines = [
    `127.0.0.1 - - [01/Dec/2026:04:42:37 +0000] "GET /v2/kfc-node/ref-clean/blobs/${d} HTTP/1.1" ` +
      `200 3001242 "" "docker/20.10.24"`,
    `127.0.0.1 - - [01/Dec/2026:04:42:37 +0000] "HEAD /v2/kfc-node/ref-clean/blobs/${d} HTTP/1.1" ` +
      `200 0 "" "docker/20.10.24"`,
    `127.0.0.1 - - [01/Dec/2026:04:42:37 +0000] "GET /v2/kfc-node/ref-clean/blobs/${d} HTTP/1.1" ` +
      `401 87 "" "docker/20.10.24"`,
    `127.0.0.1 - - [01/Dec/2026:04:42:37 +0000] "GET /v2/kfc-node/a/b/manifests/it HTTP/1.1" ` +
      `200 947 "" "docker/20.10.24"`,
  ];
  assert.deepEqual(blobFetches(lines), [{ repository: 'kfc-node/ref-clean', digest: d, bytes: 3001242 }]);
});
