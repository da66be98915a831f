/**
 * The referee tools' verdicts (reports/referees.json, written by `kfc referee`) shown in kfc report:
 * dive's figures beside kfc's, the SBOM's package counts, secrets and vulnerability counts. Only
 * attached to an image when they were measured on the same image ID.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { formatBytes } from '../metrics/gates.ts';
import type { RefereeFile, RefereeImage } from '../referees/model.ts';
import { vulnText } from '../referees/render.ts';
import type { FamilyReport, ImageReport, RefereeSummary } from './model.ts';

export function readRefereeFile(file: string): RefereeFile | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as RefereeFile;
    return doc?.version === 1 && Array.isArray(doc.images) ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** Writes referees.json (atomically) for the images judged now, with the tools' versions. */
export function writeRefereeFile(file: string, images: RefereeImage[], tools: Record<string, string>): RefereeFile {
  const doc: RefereeFile = { version: 1, tools, images };
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic.sync(file, JSON.stringify(doc, null, 2) + '\n');
  return doc;
}

/** Attaches each image's referee summary (same name and image ID); returns the report. */
export function attachReferees(report: FamilyReport, file: RefereeFile | undefined): FamilyReport {
  if (!file) return report;
  const by = new Map(file.images.map((i) => [i.name, i]));
  for (const img of report.images) {
    const r = by.get(img.name);
    if (!r || r.id !== img.id) continue;
    // kfc report's own check is newer; kfc referee's stands in when the report did not run one.
    if (!img.securityUpdates && r.securityUpdates) img.securityUpdates = r.securityUpdates;
    img.referees = {
      ...(r.dive
        ? {
            dive: {
              efficiency: r.dive.dive.efficiency,
              wastedBytes: r.dive.dive.wastedBytes,
              pass: r.dive.dive.pass,
              agree: r.dive.agree,
              directoryRemovedBytes: r.dive.kfc.directoryRemovedBytes,
            },
          }
        : {}),
      ...(r.sbom ? { sbom: { total: r.sbom.total, byType: r.sbom.byType } } : {}),
      ...(r.secrets ? { secrets: r.secrets.length } : {}),
      ...(r.vulns ? { vulns: r.vulns } : {}),
      ...(r.vulnGate ? { vulnGate: r.vulnGate } : {}),
      problems: r.problems,
      measuredAt: r.measuredAt,
    };
  }
  return report;
}

/** The image's vulnerability line (Trivy through kfc referee), undefined when Trivy did not judge it. */
export function vulnLine(i: ImageReport): string | undefined {
  const s = i.referees;
  return s?.sbom ? vulnText(s.vulns, s.vulnGate) : undefined;
}

function line(i: ImageReport, s: RefereeSummary): string {
  const d = s.dive
    ? `dive ${s.dive.efficiency.toFixed(4)} / ${formatBytes(s.dive.wastedBytes)} ` +
      `(${s.dive.agree ? 'agrees' : 'DISAGREES'})`
    : 'dive —';
  const sbom = s.sbom
    ? `${s.sbom.total} (${Object.entries(s.sbom.byType)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')})`
    : '—';
  const vulns = s.sbom ? vulnText(s.vulns, s.vulnGate) : 'not scanned (no Trivy)';
  const kfc = `${i.metrics.efficiency.toFixed(4)} / ${formatBytes(i.metrics.wastedBytes)}`;
  return `| ${i.name} | ${kfc} | ${d} | ${sbom} | ${s.secrets ?? '—'} | ${vulns} |`;
}

/** A Markdown section for the family report, empty when no image has referee results. */
export function refereesMarkdown(r: FamilyReport): string[] {
  const rows = r.images.filter((i) => i.referees).map((i) => line(i, i.referees!));
  if (!rows.length) return [];
  return [
    '',
    '## Referees (`kfc referee`)',
    '',
    '| image | kfc efficiency / wasted | dive | SBOM packages | secrets | vulnerabilities |',
    '|---|---|---|---|---|---|',
    ...rows,
  ];
}
