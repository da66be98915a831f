import { formatBytes } from '../metrics/gates.ts';
import { pct } from './dive.ts';
import type { RefereeFile, RefereeImage } from './model.ts';

function sbomText(i: RefereeImage): string {
  if (!i.sbom) return '-';
  return `${i.sbom.total} (${Object.entries(i.sbom.byType)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ')})`;
}

function vulnText(i: RefereeImage): string {
  if (!i.vulns) return i.sbom ? 'not scanned (no DB)' : '-';
  return Object.entries(i.vulns)
    .map(([s, n]) => `${s[0]}${n}`)
    .join(' ');
}

/** A markdown table: dive's and kfc's figures side by side, Trivy's counts, and the problems. */
export function formatReferee(file: RefereeFile): string {
  const rows = [
    '| image | kfc efficiency | dive efficiency | kfc wasted | dive wasted | removed with dir | gates kfc/dive | SBOM packages | secrets | vulnerabilities | seconds save/kfc/dive/trivy |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const i of file.images) {
    const d = i.dive;
    const t = i.seconds;
    const trivyS = (t.sbom ?? 0) + (t.secrets ?? 0) + (t.vulns ?? 0);
    rows.push(
      `| ${i.name} | ${d ? pct(d.kfc.efficiency) : '-'} | ${d ? pct(d.dive.efficiency) : '-'} | ${d ? formatBytes(d.kfc.wastedBytes) : '-'} | ${d ? formatBytes(d.dive.wastedBytes) : '-'} | ${d ? formatBytes(d.kfc.directoryRemovedBytes) : '-'} | ${d ? `${d.kfcGatePass ? 'pass' : 'FAIL'}/${d.dive.pass ? 'pass' : 'FAIL'}` : '-'} | ${sbomText(i)} | ${i.secrets ? i.secrets.length : '-'} | ${vulnText(i)} | ${t.save}/${t.kfc}/${t.dive ?? '-'}/${trivyS ? trivyS.toFixed(1) : '-'} |`,
    );
  }
  const problems = file.images.flatMap((i) => i.problems.map((p) => `- ${i.name}: ${p}`));
  const notes = [...new Set(file.images.flatMap((i) => i.notes ?? []))].map((n) => `- note: ${n}`);
  return [
    rows.join('\n'),
    ...(notes.length ? ['', ...notes] : []),
    problems.length ? `\nproblems:\n${problems.join('\n')}` : '\nno problems: the tools agree with kfc',
  ].join('\n');
}
