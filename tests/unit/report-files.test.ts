/** kfc report's files and verdict: report.json read back, the rendered files, --check, merging. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { parsePairs } from '../../src/cli/context.ts';
import { KfcError } from '../../src/errors.ts';
import type { RefereeImage } from '../../src/referees/model.ts';
import { failOnProblems } from '../../src/report/check.ts';
import type { ColdFigures, ColdRow } from '../../src/report/cold-figures.ts';
import { readJsonFile, readReport, writeReportFiles } from '../../src/report/files.ts';
import { familyReport, mergeReports } from '../../src/report/merge.ts';
import { MINI_FIXTURE, tempDir } from './helpers.ts';
import { sampleReport } from './report-fixtures.ts';

const dir = tempDir('kfc-report-files-');
after(() => rmSync(dir, { recursive: true, force: true }));
const put = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('readReport and readJsonFile', () => {
  test('a report the user names must exist, be JSON and be a kfc report of this version', () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'absent.json'), /^no report at .*absent\.json$/],
      [put('text.json', 'not json'), /^.*text\.json is not JSON \(/],
      [put('old.json', '{"version":0,"images":[]}'), /^.*old\.json is not a kfc report \(version 0\)$/],
    ];
    for (const [file, message] of cases)
      assert.throws(
        () => readReport(file),
        (e: unknown) => e instanceof KfcError && message.test(e.message) && e.exitCode === 2,
        file,
      );
    const good = put('good.json', JSON.stringify(sampleReport()));
    assert.deepEqual(readReport(good), sampleReport());
  });

  test('an optional JSON file that is absent or broken reads as undefined', () => {
    assert.equal(readJsonFile(join(dir, 'none.json')), undefined);
    assert.equal(readJsonFile(put('broken.json', '{')), undefined);
    assert.deepEqual(readJsonFile(put('ok.json', '{"a":1}')), { a: 1 });
  });
});

describe('writeReportFiles', () => {
  test('report.json, one Markdown page per image, README.md and index.html with the test results', () => {
    const catalog = loadCatalog(MINI_FIXTURE);
    const out = join(dir, 'out');
    const report = sampleReport();
    mkdirSync(out);
    writeFileSync(join(out, 'tests.json'), JSON.stringify({ 'mini-child': { ok: true, at: '2026-12-01T00:00:00Z' } }));
    const written = writeReportFiles(catalog, report, out);
    assert.deepEqual(
      written.map((f) => f.slice(out.length + 1)),
      ['report.json', ...report.images.map((i) => `${i.name}.md`), 'README.md', 'index.html'],
    );
    assert.ok(written.every((f) => existsSync(f)));
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')), report);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    assert.match(html, /mini-grand/, 'the page lists the catalog');
    assert.match(html, /tests passed/, 'the tests.json next to the report is shown');
    assert.doesNotMatch(readFileSync(join(out, 'README.md'), 'utf8'), /Cold node/, 'no cold-node run, no section');
  });

  test('the last cold-node run (cold-node.json): a table in README.md and in index.html', () => {
    const catalog = loadCatalog(MINI_FIXTURE);
    const out = join(dir, 'out-cold');
    mkdirSync(out);
    const row: ColdRow = {
      image: 'mini-child',
      case: 'nothing present',
      compression: 'zstd',
      onNode: [],
      layers: 3,
      pulledLayers: 3,
      imageBytes: 9_000_000,
      pulledBytes: 9_000_000,
      pullMs: 2_000,
      transferMs: 500,
      unpackMs: 1_500,
      startMs: 300,
      readyMs: 700,
      totalMs: 3_000,
      path: '/notebook/kfc-node/mini-child-abcdef/api/status',
      problems: [],
    };
    const figures: ColdFigures = {
      at: '2026-12-06T19:00:00Z',
      tag: 'ci',
      node: { dockerd: '/usr/libexec/kfc/node-engine/dockerd', version: '26.1.5+dfsg1' },
      load: { start: '19:00:00 load average: 1.00', end: '19:01:00 load average: 1.10' },
      peakDiskBytes: 1,
      rows: [row, { ...row, compression: 'gzip', totalMs: 4_000 }],
      problems: [],
    };
    writeFileSync(join(out, 'cold-node.json'), JSON.stringify(figures));
    writeReportFiles(catalog, sampleReport(), out);
    const md = readFileSync(join(out, 'README.md'), 'utf8');
    assert.match(md, /## Cold node: time to a ready notebook/);
    assert.match(md, /Docker 26\.1\.5\+dfsg1/);
    assert.match(md, /^\| mini-child \| nothing present \| zstd \| 3 \/ 3 \| 9\.0 MB \| .* \| 3\.0 s \|$/m);
    assert.match(md, /^\| mini-child \| nothing present \| gzip \| .* \| 4\.0 s \|$/m);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    assert.match(html, /<section class="cold" id="cold-node">/);
    assert.match(html, /<td>zstd<\/td>.*<b>3\.0 s<\/b>/);
    assert.match(html, /<th>case<\/th><th>compression<\/th><th class="num">layers pulled<\/th>/);
  });
});

describe('failOnProblems', () => {
  test('one line per breach, then exit 1 counting breaches and images', () => {
    const r = sampleReport();
    const lines: string[] = [];
    failOnProblems(r, [], (s) => lines.push(s));
    assert.equal(lines.length, 0, 'no breach: nothing said, nothing thrown');
    const breach = (image: string, metric: string) =>
      ({ image, metric, message: `${image}: ${metric} too high` }) as (typeof r.breaches)[number];
    r.breaches = [breach('a', 'size'), breach('a', 'efficiency'), breach('b', 'size')];
    assert.throws(
      () => failOnProblems(r, [], (s) => lines.push(s)),
      (e: unknown) => e instanceof KfcError && e.exitCode === 1 && e.message === '3 gate breach(es) in 2 image(s)',
    );
    assert.deepEqual(lines, [
      'kfc report: gate FAIL: a: size too high',
      'kfc report: gate FAIL: a: efficiency too high',
      'kfc report: gate FAIL: b: size too high',
    ]);
  });

  test('referee problems (kfc report --referees, kfc referee) fail too, one line each', () => {
    const r = { ...sampleReport(), breaches: [] };
    const referee = (name: string, problems: string[]) => ({ name, problems }) as unknown as RefereeImage;
    const lines: string[] = [];
    failOnProblems(r, [referee('a', [])], (s) => lines.push(s));
    assert.equal(lines.length, 0, 'no problem: nothing said, nothing thrown');
    assert.throws(
      () => failOnProblems(r, [referee('a', ['secret: x']), referee('b', ['dive vs kfc: y'])], (s) => lines.push(s)),
      (e: unknown) => e instanceof KfcError && e.exitCode === 1 && e.message === '2 referee problem(s)',
    );
    assert.deepEqual(lines, ['kfc referee: FAIL: a: secret: x', 'kfc referee: FAIL: b: dive vs kfc: y']);
    r.breaches = [{ image: 'a', message: 'a: size too high' } as never];
    assert.throws(
      () => failOnProblems(r, [referee('a', ['secret: x'])], () => {}),
      /^KfcError: 1 gate breach\(es\) in 1 image\(s\) and 1 referee problem\(s\)$/,
    );
  });
});

describe('familyReport and mergeReports', () => {
  test('a family report carries its images’ breaches and totals', () => {
    const images = sampleReport().images;
    images[0]!.breaches = [{ image: images[0]!.name, message: 'x' } as never];
    const r = familyReport(images, ['gone'], ['n'], 'then');
    assert.equal(r.generatedAt, 'then');
    assert.deepEqual(r.breaches, images[0]!.breaches);
    assert.equal(r.family.images, images.length);
    assert.deepEqual([r.missing, r.notes], [['gone'], ['n']]);
  });

  test('no earlier report, or one of another version: the new report alone', () => {
    const next = sampleReport();
    next.images = next.images.slice(0, 1);
    assert.equal(mergeReports(undefined, next, ['foundation', 'jupyterlab-cpu']), next);
    assert.equal(mergeReports({ ...sampleReport(), version: 0 }, next, ['foundation', 'jupyterlab-cpu']), next);
  });
});

describe('parsePairs', () => {
  test('NAME=VALUE options as a map (the last one wins; values may hold =)', () => {
    const m = parsePairs('--image-ref', ['a=r:1', 'b=x=y', 'a=r:2'], 'NAME=REF', 'a=ref');
    assert.deepEqual(
      [...m],
      [
        ['a', 'r:2'],
        ['b', 'x=y'],
      ],
    );
  });

  test('a malformed pair is a user error naming the option, the shape and an example', () => {
    for (const bad of ['noequals', '=ref'])
      assert.throws(
        () => parsePairs('--image-ref', [bad], 'NAME=REF', 'jupyterlab-cpu=ghcr.io/o/i:v1'),
        (e: unknown) =>
          e instanceof KfcError &&
          e.message === `--image-ref "${bad}" is not NAME=REF` &&
          e.line().includes('e.g. --image-ref jupyterlab-cpu=ghcr.io/o/i:v1'),
      );
  });
});
