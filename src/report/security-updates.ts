/**
 * kfc report's and kfc referee's hook into the pending-Debian-updates check
 * (src/referees/security-check.ts): once per image after the measuring, never cached (the answer
 * depends on the day). The result goes on the image's report, with a gate breach where it fails, and
 * on its referee verdict (referees.json); a referee problem only where no report holds the breach
 * (kfc referee), so kfc report --referees --check counts a failure once.
 */
import type { Catalog } from '../catalog/model.ts';
import { type Breach, effectiveGates } from '../metrics/gates.ts';
import type { RefereeImage } from '../referees/model.ts';
import { securityCheck } from '../referees/security-check.ts';
import { securityUpdatesProblems, securityUpdatesText } from '../referees/upgradable.ts';
import type { FamilyReport } from './model.ts';

export async function checkSecurityUpdates(
  catalog: Catalog,
  report: FamilyReport,
  referees: RefereeImage[],
  log: (s: string) => void,
): Promise<void> {
  for (const node of catalog.order) {
    const img = report.images.find((i) => i.name === node.name);
    const referee = referees.find((r) => r.name === node.name);
    const ref = img?.ref ?? referee?.ref;
    if (!ref) continue;
    const gates = img?.gates ?? effectiveGates(node.name, catalog.spec.gates, node.spec.gates);
    const r = await securityCheck(ref, node, gates, log);
    if (!r) continue;
    if (referee) {
      referee.securityUpdates = r;
      if (!img) referee.problems.push(...securityUpdatesProblems(r));
    }
    if (!img) continue;
    img.securityUpdates = r;
    if (r.pass) continue;
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
