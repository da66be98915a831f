import { KfcError } from '../errors.ts';
import type { RefereeImage } from '../referees/model.ts';
import type { FamilyReport } from './model.ts';

/**
 * `kfc report --check` / `kfc referee --check`: one line per gate breach and per referee problem on
 * `log`, then exit 1 naming how many.
 */
export function failOnProblems(report: FamilyReport, referees: RefereeImage[], log: (s: string) => void): void {
  const breaches = report.breaches;
  for (const b of breaches) log(`kfc report: gate FAIL: ${b.message}`);
  const problems = referees.flatMap((r) => r.problems.map((p) => `${r.name}: ${p}`));
  for (const p of problems) log(`kfc referee: FAIL: ${p}`);
  if (!breaches.length && !problems.length) return;
  const what = [
    breaches.length
      ? `${breaches.length} gate breach(es) in ${new Set(breaches.map((b) => b.image)).size} image(s)`
      : '',
    problems.length ? `${problems.length} referee problem(s)` : '',
  ];
  throw new KfcError(what.filter(Boolean).join(' and '), {
    exitCode: 1,
    hint:
      'see the lines above, reports/<image>.md (largest wasted paths name the bits) and referees.json; ' +
      'dive/kfc differences are explained in docs/report.md',
  });
}
