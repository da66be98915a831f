import { formatBytes } from '../metrics/gates.ts';
import { pct } from './dive.ts';
import type { RefereeFile, RefereeImage } from './model.ts';
import { securityUpdatesText } from './upgradable.ts';

function sbomText(i: RefereeImage): string {
  if (!i.sbom) return '-';
  return `${i.sbom.total} (${Object.entries(i.sbom.byType)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ')})`;
}

/** `C1 H1 M0 L1 U0` (every finding), then the gate's counts and verdict: `gate CRITICAL 1>0 FAIL`. */
export function vulnText(vulns: Record<string, number> | undefined, gate: RefereeImage['vulnGate']): string {
  if (!vulns) return 'not scanned (no DB)';
  const counts = (c: Record<string, number>) =>
    Object.entries(c)
      .map(([s, n]) => `${s[0]}${n}`)
      .join(' ');
  if (!gate) return `${counts(vulns)}; no gate`;
  const limits = Object.entries(gate.max)
    .map(([s, m = 0]) => {
      const n = gate.counts[s] ?? 0;
      return `${s} ${n}${n > m ? '>' : '≤'}${m}`;
    })
    .join(' ');
  return `${counts(vulns)}; gate ${limits} ${gate.pass ? 'pass' : 'FAIL'}`;
}

/** A markdown table: dive's and kfc's figures side by side, Trivy's counts, and the problems. */
export function formatReferee(file: RefereeFile): string {
  const rows = [
    '| image | kfc efficiency | dive efficiency | kfc wasted | dive wasted | removed with dir | gates kfc/dive ' +
      '| SBOM packages | secrets | vulnerabilities | Debian security updates | seconds save/kfc/dive/trivy |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const i of file.images) {
    const d = i.dive;
    const t = i.seconds;
    const cells = [
      i.name,
      d ? pct(d.kfc.efficiency) : '-',
      d ? pct(d.dive.efficiency) : '-',
      d ? formatBytes(d.kfc.wastedBytes) : '-',
      d ? formatBytes(d.dive.wastedBytes) : '-',
      d ? formatBytes(d.kfc.directoryRemovedBytes) : '-',
      d ? `${d.kfcGatePass ? 'pass' : 'FAIL'}/${d.dive.pass ? 'pass' : 'FAIL'}` : '-',
      sbomText(i),
      i.secrets ? i.secrets.length : '-',
      i.sbom ? vulnText(i.vulns, i.vulnGate) : '-',
      i.securityUpdates ? securityUpdatesText(i.securityUpdates) : '-',
      i.cached ? `cached ${i.cached.key.slice(0, 12)}` : `${t.save}/${t.kfc}/${t.dive ?? '-'}/${t.trivy ?? '-'}`,
    ];
    rows.push(`| ${cells.join(' | ')} |`);
  }
  const problems = file.images.flatMap((i) => i.problems.map((p) => `- ${i.name}: ${p}`));
  const notes = [...new Set(file.images.flatMap((i) => i.notes ?? []))].map((n) => `- note: ${n}`);
  return [
    rows.join('\n'),
    ...(notes.length ? ['', ...notes] : []),
    problems.length ? `\nproblems:\n${problems.join('\n')}` : '\nno problems: the tools agree with kfc',
  ].join('\n');
}
