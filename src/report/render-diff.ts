/** Two reports compared, image by image: sizes, efficiency, start median and packages (pure). */
import { formatBytes } from '../metrics/gates.ts';
import { diffManifests, type ManifestDiff } from './manifests.ts';
import type { FamilyReport } from './model.ts';
import { eff } from './render-format.ts';

export interface ImageDiff {
  image: string;
  status: 'added' | 'removed' | 'changed' | 'same';
  sizeFrom?: number;
  sizeTo?: number;
  sizeChange?: number;
  efficiencyFrom?: number;
  efficiencyTo?: number;
  startMedianFrom?: number;
  startMedianTo?: number;
  packages: ManifestDiff;
}

export function diffReports(a: FamilyReport, b: FamilyReport): ImageDiff[] {
  const names = [...new Set([...a.images.map((i) => i.name), ...b.images.map((i) => i.name)])];
  return names.map((name) => {
    const o = a.images.find((i) => i.name === name);
    const n = b.images.find((i) => i.name === name);
    const packages = diffManifests(o?.manifests, n?.manifests);
    const d: ImageDiff = { image: name, status: !o ? 'added' : !n ? 'removed' : 'same', packages };
    if (o) {
      d.sizeFrom = o.size;
      d.efficiencyFrom = o.metrics.efficiency;
      if (o.start?.starts) d.startMedianFrom = o.start.medianMs;
    }
    if (n) {
      d.sizeTo = n.size;
      d.efficiencyTo = n.metrics.efficiency;
      if (n.start?.starts) d.startMedianTo = n.start.medianMs;
    }
    if (o && n) {
      d.sizeChange = n.size - o.size;
      const pk = packages.added.length + packages.removed.length + packages.changed.length;
      if (pk || d.sizeChange !== 0 || o.id !== n.id) d.status = 'changed';
    }
    return d;
  });
}

export function diffText(diffs: ImageDiff[]): string {
  const out: string[] = [];
  for (const d of diffs) {
    const size =
      d.sizeChange !== undefined
        ? `size ${formatBytes(d.sizeFrom!)} → ${formatBytes(d.sizeTo!)} ` +
          `(${d.sizeChange >= 0 ? '+' : ''}${formatBytes(d.sizeChange)})`
        : d.status === 'added'
          ? `new, ${formatBytes(d.sizeTo!)}`
          : `removed (was ${formatBytes(d.sizeFrom!)})`;
    const effs =
      d.efficiencyFrom !== undefined && d.efficiencyTo !== undefined && d.efficiencyFrom !== d.efficiencyTo
        ? `, efficiency ${eff(d.efficiencyFrom)} → ${eff(d.efficiencyTo)}`
        : '';
    out.push(`${d.image}: ${d.status}; ${size}${effs}`);
    if (d.status === 'added' || d.status === 'removed') continue; // every package would be listed
    const p = d.packages;
    const w = (c: { where?: string }) => (c.where ? ` [${c.where}]` : '');
    for (const c of p.added) out.push(`  + ${c.ecosystem} ${c.name}${w(c)} ${c.to}`);
    for (const c of p.removed) out.push(`  - ${c.ecosystem} ${c.name}${w(c)} ${c.from}`);
    for (const c of p.changed) out.push(`  ~ ${c.ecosystem} ${c.name}${w(c)} ${c.from} → ${c.to}`);
  }
  return out.join('\n');
}
