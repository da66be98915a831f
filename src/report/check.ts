import { KfcError } from '../errors.ts';
import type { FamilyReport } from './model.ts';

/** `kfc report --check`: one line per gate breach on `log`, then exit 1 naming how many. */
export function failOnBreaches(report: FamilyReport, log: (s: string) => void): void {
  const breaches = report.breaches;
  for (const b of breaches) log(`kfc report: gate FAIL: ${b.message}`);
  if (breaches.length)
    throw new KfcError(`${breaches.length} gate breach(es) in ${new Set(breaches.map((b) => b.image)).size} image(s)`, {
      exitCode: 1,
      hint: 'see the lines above and reports/<image>.md (largest wasted paths name the bits)',
    });
}
