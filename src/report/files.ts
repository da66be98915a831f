/** kfc report's files: report.json (read back for --from, --diff and merging) and what is rendered from it. */

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Catalog } from '../catalog/model.ts';
import { KfcError } from '../errors.ts';
import { COLD_FIGURES, type ColdFigures, coldMarkdown } from './cold-figures.ts';
import { type FamilyReport, REPORT_VERSION, type TestResults } from './model.ts';
import { attachReferees, readRefereeFile } from './referees.ts';
import { renderHtml } from './render-html.ts';
import { familyMarkdown, imageMarkdown } from './render-markdown.ts';

/** A JSON file's content, or undefined when it is absent or not JSON (optional inputs). */
export function readJsonFile<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** A report.json the user named: anything else is a one-line error. */
export function readReport(file: string): FamilyReport {
  if (!existsSync(file))
    throw new KfcError(`no report at ${file}`, {
      hint: 'run kfc report --json > FILE, or use reports/report.json of an earlier run',
    });
  let doc: FamilyReport;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as FamilyReport;
  } catch (e) {
    throw new KfcError(`${file} is not JSON (${(e as Error).message.split('\n')[0]})`, {
      hint: 'give a report.json written by kfc report',
    });
  }
  if (doc?.version !== REPORT_VERSION || !Array.isArray(doc.images))
    throw new KfcError(`${file} is not a kfc report (version ${String(doc?.version)})`, {
      hint: `give a report.json written by kfc report (version ${REPORT_VERSION})`,
    });
  return doc;
}

/** Writes report.json, <image>.md, README.md and index.html under `out`; returns their paths. */
export function writeReportFiles(catalog: Catalog, report: FamilyReport, out: string): string[] {
  attachReferees(report, readRefereeFile(join(out, 'referees.json')));
  const written: string[] = [];
  const w = (name: string, text: string) => {
    const file = join(out, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic.sync(file, text);
    written.push(file);
  };
  w('report.json', JSON.stringify(report, null, 2) + '\n');
  for (const i of report.images) w(`${i.name}.md`, imageMarkdown(i));
  // The last cold-node run (kfc node-pull --cold writes <root>/reports/cold-node.json); one next to the report wins.
  const coldFile = [join(out, 'cold-node.json'), join(catalog.root, COLD_FIGURES)].find((f) => existsSync(f));
  const cold = coldFile ? readJsonFile<ColdFigures>(coldFile) : undefined;
  const coldOk = cold && Array.isArray(cold.rows) ? cold : undefined;
  w('README.md', familyMarkdown(report) + (coldOk ? `${coldMarkdown(coldOk).join('\n')}\n` : ''));
  // `kfc test --json` writes <root>/reports/tests.json; a tests.json next to the report wins.
  const testsFile = [join(out, 'tests.json'), join(catalog.root, 'reports', 'tests.json')].find((f) => existsSync(f));
  const tests = testsFile ? readJsonFile<TestResults>(testsFile) : undefined;
  const list = catalog.order.map((n) => ({
    name: n.name,
    parent: n.parent?.name,
    description: n.spec.description,
    publish: n.spec.publish,
  }));
  w('index.html', renderHtml({ report, catalog: list, tests, ...(coldOk ? { cold: coldOk } : {}) }));
  return written;
}
