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
  // The images' checks run at once (each is a container's apt-get, mostly waiting on the mirror: 4 images took
  // 13.7 s one after another); each one's lines are held and printed in catalog order.
  const checks = catalog.order.map((node) => {
    const img = report.images.find((i) => i.name === node.name);
    const referee = referees.find((r) => r.name === node.name);
    const ref = img?.ref ?? referee?.ref;
    const lines: string[] = [];
    if (!ref) return { img, referee, lines, result: Promise.resolve(undefined) };
    const gates = img?.gates ?? effectiveGates(node.name, catalog.spec.gates, node.spec.gates);
    return { img, referee, lines, result: securityCheck(ref, node, gates, (l) => lines.push(l)) };
  });
  // Every check ends before any result is read, so one that fails leaves none running.
  const settled = await Promise.allSettled(checks.map((c) => c.result));
  for (const [i, { img, referee, lines }] of checks.entries()) {
    for (const l of lines) log(l);
    const outcome = settled[i]!;
    if (outcome.status === 'rejected') throw outcome.reason;
    const r = outcome.value;
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
