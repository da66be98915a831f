/**
 * `kfc referee`: the images built here judged by the field's tools (dive, one Trivy pass) from one saved
 * archive each, their verdicts written to referees.json, and kfc report's files re-rendered with them
 * when a report is there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import type { RefereeFile } from '../referees/model.ts';
import type { RefereeSetupOptions } from '../referees/setup.ts';
import { writeReportFiles } from './files.ts';
import { writeRefereeFile } from './referees.ts';
import { type ReportedImages, reportImages } from './report-images.ts';

const REFEREES_FILE = 'referees.json';

export interface RefereeRequest {
  repo?: string;
  tag?: string;
  /** True when the user named the images: then each must be built here. */
  named: boolean;
  /** Where referees.json and sbom/ go (and where a report.json is re-rendered). */
  out: string;
  tools: Omit<RefereeSetupOptions, 'log'>;
  workDir?: string;
  resultCache: boolean;
  securityUpdates: boolean;
  log: (line: string) => void;
}

export async function refereeImages(
  catalog: Catalog,
  nodes: ImageNode[],
  req: RefereeRequest,
): Promise<{ file: RefereeFile; judged: ReportedImages }> {
  const judged = await reportImages(catalog, nodes, {
    repo: req.repo,
    tag: req.tag,
    named: req.named,
    out: req.out,
    merge: false,
    report: false,
    verb: 'kfc referee',
    manifests: false,
    starts: 0,
    log: req.log,
    resultCache: req.resultCache,
    securityUpdates: req.securityUpdates,
    advisories: true,
    ...(req.workDir ? { workDir: req.workDir } : {}),
    referees: req.tools,
  });
  const file = writeRefereeFile(join(req.out, REFEREES_FILE), judged.referees, judged.tools ?? {});
  // kfc report's files show the referees' figures too: re-render them when a report is there.
  const reportFile = join(req.out, 'report.json');
  if (existsSync(reportFile)) {
    try {
      writeReportFiles(catalog, JSON.parse(readFileSync(reportFile, 'utf8')), req.out);
    } catch (e) {
      req.log(`kfc referee: note: ${reportFile} not re-rendered (${(e as Error).message.split('\n')[0]})`);
    }
  }
  return { file, judged };
}
