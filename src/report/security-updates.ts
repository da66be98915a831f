/**
 * kfc report's hook into the pending-Debian-updates check (src/referees/security-check.ts): a gate
 * breach per failing image.
 */
import type { Catalog } from '../catalog/model.ts';
import type { Breach } from '../metrics/gates.ts';
import { securityCheck } from '../referees/security-check.ts';
import { securityUpdatesText } from '../referees/upgradable.ts';
import type { FamilyReport } from './model.ts';

/** kfc report: checks each measured image now and adds a gate breach where it fails. */
export async function reportSecurityUpdates(catalog: Catalog, report: FamilyReport, log: (s: string) => void) {
  for (const img of report.images) {
    const node = catalog.nodes.get(img.name);
    if (!node) continue;
    const r = await securityCheck(img, node, img.gates, log);
    if (!r || r.pass) continue;
    const source = img.gates.source.securityUpdates ?? 'kfc default { max: 0 }';
    const breach: Breach = {
      image: img.name,
      metric: 'securityUpdates',
      value: r.count,
      threshold: r.max,
      kind: 'max',
      source,
      message: `${img.name}: pending Debian security updates: ${securityUpdatesText(r)} (${source})`,
    };
    img.breaches.push(breach);
    report.breaches.push(breach);
  }
}
