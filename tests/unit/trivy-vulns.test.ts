// The vulnerability side of kfc referee, pure: the catalog's gate (schema, per-image override), the
// gate's verdict, the text shown in the referee table and kfc report, and the .trivyignore rules.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { CatalogSchema, GatesSchema } from '../../src/catalog/schema.ts';
import { KfcError } from '../../src/errors.ts';
import { effectiveGates } from '../../src/metrics/gates.ts';
import { vulnText } from '../../src/referees/render.ts';
import { gateVulns } from '../../src/referees/trivy.ts';
import { activeIgnoreIds, expiredEntries, parseTrivyIgnore } from '../../src/referees/trivyignore.ts';
import { judgeVulns } from '../../src/referees/vuln-gate.ts';
import type { FamilyReport } from '../../src/report/model.ts';
import { attachReferees, refereesMarkdown } from '../../src/report/referees.ts';
import { renderHtml } from '../../src/report/render-html.ts';
import { imageMarkdown } from '../../src/report/render-markdown.ts';
import { sampleCatalog, sampleReport } from './report-fixtures.ts';

const root = new URL('../..', import.meta.url).pathname;

test('gates.vulnerabilities: validated by the schema; ignoreUnfixed defaults to true', () => {
  assert.deepEqual(GatesSchema.parse({ vulnerabilities: { max: { CRITICAL: 0 } } }).vulnerabilities, {
    max: { CRITICAL: 0 },
    ignoreUnfixed: true,
  });
  const bad = (v: unknown) => GatesSchema.safeParse({ vulnerabilities: v }).success;
  assert.equal(bad({ max: { SEVERE: 0 } }), false, 'not a Trivy severity');
  assert.equal(bad({ max: { HIGH: -1 } }), false);
  assert.equal(bad({ max: { HIGH: 1.5 } }), false);
  assert.equal(bad({ max: {} }), false, 'a gate that gates nothing');
  assert.equal(bad({ max: { HIGH: 0 }, severity: 'HIGH' }), false, 'unknown key');
  assert.equal(bad({ max: { HIGH: 3, CRITICAL: 0 }, ignoreUnfixed: false }), true);
});

test("the repository's catalog gates CRITICAL findings with a fix; an image's own gate replaces it", () => {
  const cat = CatalogSchema.parse(parseYaml(readFileSync(`${root}/images.yaml`, 'utf8')));
  assert.deepEqual(cat.gates.vulnerabilities, { max: { CRITICAL: 0 }, ignoreUnfixed: true });
  const own = GatesSchema.parse({ vulnerabilities: { max: { HIGH: 2 }, ignoreUnfixed: false } });
  const g = effectiveGates('x', cat.gates, own);
  assert.deepEqual(g.vulnerabilities, { max: { HIGH: 2 }, ignoreUnfixed: false });
  assert.equal(g.source.vulnerabilities, 'images.yaml images.x.gates');
  assert.equal(effectiveGates('x', cat.gates, undefined).source.vulnerabilities, 'images.yaml gates');
});

test('gateVulns: one breach per gated severity over its maximum, most severe first', () => {
  const counts = { CRITICAL: 2, HIGH: 5, MEDIUM: 9, LOW: 0, UNKNOWN: 0 };
  assert.deepEqual(gateVulns(counts, { HIGH: 4, CRITICAL: 0 }), ['2 CRITICAL > 0 allowed', '5 HIGH > 4 allowed']);
  assert.deepEqual(gateVulns(counts, { HIGH: 5, LOW: 0 }), []);
  assert.deepEqual(gateVulns({ ...counts, CRITICAL: 0 }, { CRITICAL: 0 }), []);
});

test('vulnText: counts per severity, then the gate; "not scanned (no DB)" without a scan', () => {
  const vulns = { CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 1, UNKNOWN: 0 };
  assert.equal(vulnText(undefined, undefined), 'not scanned (no DB)');
  assert.equal(vulnText(vulns, undefined), 'C1 H1 M0 L1 U0; no gate');
  const gate = { max: { CRITICAL: 0 }, ignoreUnfixed: true, counts: { ...vulns, HIGH: 0 }, pass: false };
  assert.equal(vulnText(vulns, gate), 'C1 H1 M0 L1 U0; gate CRITICAL 1>0 FAIL');
  assert.equal(
    vulnText(vulns, { ...gate, counts: { ...gate.counts, CRITICAL: 0 }, pass: true }),
    'C1 H1 M0 L1 U0; gate CRITICAL 0≤0 pass',
  );
});

test('.trivyignore: each entry has a reason just above and exp:YYYY-MM-DD; errors name the line', () => {
  const ok = '# header\n\n# upstream fix pending, not reachable in a notebook\nCVE-2025-1 exp:2027-01-31\n';
  assert.deepEqual(parseTrivyIgnore(ok), [
    { id: 'CVE-2025-1', line: 4, reason: 'upstream fix pending, not reachable in a notebook', expires: '2027-01-31' },
  ]);
  const err = (text: string) => {
    try {
      parseTrivyIgnore(text);
    } catch (e) {
      assert.ok(e instanceof KfcError);
      return e.line();
    }
    assert.fail('no error');
  };
  assert.match(
    err('# why\nCVE-1 exp:2027-01-01\nCVE-2 exp:2027-01-01\n'),
    /^kfc: error: \.trivyignore:3: CVE-2 has no reason \(fix: put a comment line/,
  );
  assert.match(err('# why\nCVE-1\n'), /^kfc: error: \.trivyignore:2: CVE-1 has no expiry \(fix: add exp:YYYY-MM-DD/);
  assert.match(err('# why\nCVE-1 exp:31-01-2027\n'), /\.trivyignore:2: CVE-1 has a malformed expiry "exp:31-01-2027"/);
  assert.match(err('# why\nCVE-1 exp:2027-02-30\n'), /\.trivyignore:2: CVE-1: exp:2027-02-30 is not a calendar date/);
  assert.match(err('# why\nCVE-1 exp:2027-02-03 pkg\n'), /\.trivyignore:2: CVE-1: unexpected "pkg"/);
  assert.equal(err('\n#\nCVE-1 exp:2027-01-01').includes('.trivyignore:3: CVE-1 has no reason'), true);
  const entries = parseTrivyIgnore('# a\nCVE-1 exp:2026-01-01\n# b\nCVE-2 exp:2026-06-30\n');
  assert.deepEqual(
    expiredEntries(entries, '2026-03-01').map((e) => e.id),
    ['CVE-1'],
  );
  // The repository's own allowlist follows the rules.
  parseTrivyIgnore(readFileSync(`${root}/.trivyignore`, 'utf8'));
});

test('kfc report: per image, the counts per severity and the gate when scanned, "not scanned (no DB)" else', () => {
  const img = (name: string, id: string) => ({ name, id, metrics: { efficiency: 1, wastedBytes: 0 } });
  const report = { images: [img('a', 'sha256:a'), img('b', 'sha256:b'), img('c', 'sha256:c')] };
  const sbom = { total: 3, byType: { deb: 3 }, file: 'x' };
  const base = { ref: 'r', archiveBytes: 1, seconds: { save: 1, kfc: 1 }, problems: [], notes: [], measuredAt: 't' };
  const vulns = { CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 1, UNKNOWN: 0 };
  const gate = { max: { CRITICAL: 0 }, ignoreUnfixed: true, counts: { ...vulns, HIGH: 0 }, pass: false };
  attachReferees(report as unknown as FamilyReport, {
    version: 1,
    tools: {},
    images: [
      { ...base, name: 'a', id: 'sha256:a', sbom, vulns, vulnGate: gate },
      { ...base, name: 'b', id: 'sha256:b', sbom },
      // Measured on another build of c: not attached.
      { ...base, name: 'c', id: 'sha256:old', sbom, vulns, vulnGate: gate },
    ],
  });
  const md = refereesMarkdown(report as unknown as FamilyReport).join('\n');
  assert.match(md, /^\| a \|.*\| C1 H1 M0 L1 U0; gate CRITICAL 1>0 FAIL \|$/m);
  assert.match(md, /^\| b \|.*\| not scanned \(no DB\) \|$/m);
  assert.doesNotMatch(md, /^\| c \|/m);
});

test("kfc report's image page (Markdown and HTML) carries the vulnerability line when Trivy judged the image", () => {
  const r = sampleReport();
  const i = r.images[1]!;
  assert.doesNotMatch(imageMarkdown(i), /vulnerabilities/, 'no referee result: no line');
  const vulns = { CRITICAL: 0, HIGH: 2, MEDIUM: 5, LOW: 9, UNKNOWN: 1 };
  const gate = { max: { CRITICAL: 0 }, ignoreUnfixed: true, counts: { ...vulns, HIGH: 1 }, pass: true };
  i.referees = { sbom: { total: 1, byType: { deb: 1 } }, vulns, vulnGate: gate, problems: [], measuredAt: 't' };
  assert.match(imageMarkdown(i), /^- vulnerabilities \(Trivy, kfc referee\): C0 H2 M5 L9 U1; gate CRITICAL 0≤0 pass$/m);
  const html = renderHtml({ report: r, catalog: sampleCatalog });
  assert.match(html, /<tr><td>vulnerabilities<\/td><td>C0 H2 M5 L9 U1; gate CRITICAL 0≤0 pass <small>/);
  i.referees = { sbom: { total: 1, byType: { deb: 1 } }, problems: [], measuredAt: 't' };
  assert.match(imageMarkdown(i), /^- vulnerabilities \(Trivy, kfc referee\): not scanned \(no DB\)$/m);
});

test('the gate from one Trivy JSON report: ignore-unfixed keeps status "fixed" only; the allowlist drops by ID', () => {
  const v = (VulnerabilityID: string, Severity: string, Status?: string, PkgName = 'p') => ({
    VulnerabilityID,
    Severity,
    PkgName,
    ...(Status ? { Status } : {}),
  });
  const report = {
    Results: [
      {
        Target: 'debian',
        Vulnerabilities: [
          v('C-FIXED', 'CRITICAL', 'fixed'),
          v('H-AFFECTED', 'HIGH', 'affected'),
          v('H-WONTFIX', 'HIGH', 'will_not_fix'),
          v('M-UNKNOWN', 'MEDIUM'), // Trivy leaves Status out when it is unknown: not fixed
          v('L-FIXED', 'LOW', 'fixed'),
        ],
      },
      // The same finding in another target counts once, as in the counts shown.
      { Target: 'python', Vulnerabilities: [v('C-FIXED', 'CRITICAL', 'fixed')] },
      { Target: 'secrets', Secrets: [{ RuleID: 'x' }] },
    ],
  };
  const all = { CRITICAL: 1, HIGH: 2, MEDIUM: 1, LOW: 1, UNKNOWN: 0 };
  const gate = (max: Record<string, number>, ignoreUnfixed: boolean) => ({ max, ignoreUnfixed });
  assert.deepEqual(judgeVulns(report, gate({ CRITICAL: 0 }, false), []), {
    counts: all,
    breaches: ['1 CRITICAL > 0 allowed'],
  });
  assert.deepEqual(judgeVulns(report, gate({ HIGH: 0, CRITICAL: 0 }, true), []), {
    counts: { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 1, UNKNOWN: 0 },
    breaches: ['1 CRITICAL > 0 allowed'],
  });
  assert.deepEqual(judgeVulns(report, gate({ HIGH: 0, CRITICAL: 0 }, true), ['C-FIXED']), {
    counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 1, UNKNOWN: 0 },
    breaches: [],
  });
  assert.deepEqual(judgeVulns(report, gate({ HIGH: 1 }, false), ['H-AFFECTED']).breaches, []);
  assert.deepEqual(judgeVulns({}, gate({ CRITICAL: 0 }, true), []).breaches, [], 'no results: nothing to count');
});

test('.trivyignore: an entry suppresses until the day before its expiry, as Trivy reads exp:', () => {
  const entries = parseTrivyIgnore('# a\nCVE-1 exp:2026-03-01\n# b\nCVE-2 exp:2026-06-30\n# c\nCVE-2 exp:2027-01-01\n');
  assert.deepEqual(activeIgnoreIds(entries, '2026-02-28'), ['CVE-1', 'CVE-2']);
  // Trivy reads exp:2026-03-01 as 2026-03-01T00:00Z and drops the entry once it has passed.
  assert.deepEqual(activeIgnoreIds(entries, '2026-03-01'), ['CVE-2']);
  assert.deepEqual(
    expiredEntries(entries, '2026-03-01').map((e) => e.id),
    ['CVE-1'],
  );
  assert.deepEqual(activeIgnoreIds(entries, '2026-07-01'), ['CVE-2'], 'a later entry for the same ID still holds');
});
