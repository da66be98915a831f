/**
 * The vulnerability gate from the one Trivy JSON report kfc referee asks for (every finding, no
 * allowlist): Trivy's own --ignore-unfixed and .trivyignore rules applied here, so the gate needs no
 * second scan. Pure.
 */
import type { VulnGate } from '../catalog/schema.ts';
import { gateVulns, type TrivyReport, vulnCounts } from './trivy.ts';

interface GateRules {
  /** Trivy's --ignore-unfixed: only findings whose Status is "fixed" count. */
  ignoreUnfixed: boolean;
  /** Vulnerability IDs the allowlist still suppresses (activeIgnoreIds). */
  ignored: readonly string[];
}

/**
 * The report as Trivy would have filtered it. Trivy's --ignore-unfixed ignores every status but
 * "fixed" (an absent Status is "unknown"); a plain-text .trivyignore entry without paths matches the
 * VulnerabilityID exactly.
 */
function gateFindings(report: TrivyReport, rules: GateRules): TrivyReport {
  const ignored = new Set(rules.ignored);
  return {
    ...report,
    Results: (report.Results ?? []).map((res) => ({
      ...res,
      Vulnerabilities: (res.Vulnerabilities ?? []).filter(
        (v) => !(rules.ignoreUnfixed && v.Status !== 'fixed') && !ignored.has(v.VulnerabilityID ?? ''),
      ),
    })),
  };
}

export interface GateVerdict {
  counts: Record<string, number>;
  /** One line per severity over its maximum, most severe first (`1 CRITICAL > 0 allowed`). */
  breaches: string[];
}

/** The catalog's gate judged on one Trivy JSON report. */
export function judgeVulns(report: TrivyReport, gate: VulnGate, ignored: readonly string[]): GateVerdict {
  const counts = vulnCounts(gateFindings(report, { ignoreUnfixed: gate.ignoreUnfixed, ignored }));
  return { counts, breaches: gateVulns(counts, gate.max) };
}
