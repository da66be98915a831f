/**
 * Trivy's outputs, read: package counts from a CycloneDX SBOM, secrets and vulnerabilities from its
 * JSON report. Pure.
 */
import { VULN_SEVERITIES } from '../catalog/schema.ts';

export interface SbomCounts {
  /** Components with a package URL, by ecosystem (purl type: deb, pypi, npm, golang, maven, …). */
  byType: Record<string, number>;
  total: number;
}

interface CdxComponent {
  type?: string;
  name?: string;
  purl?: string;
  components?: CdxComponent[];
}

/** Counts the packages of a CycloneDX BOM (nested components too), by purl type. */
export function sbomCounts(bom: unknown): SbomCounts {
  const b = bom as { bomFormat?: string; components?: CdxComponent[] };
  if (b?.bomFormat !== 'CycloneDX') throw new Error('not a CycloneDX BOM (bomFormat is not "CycloneDX")');
  const byType: Record<string, number> = {};
  const seen = new Set<string>();
  const walk = (list: CdxComponent[] | undefined) => {
    for (const c of list ?? []) {
      const m = c.purl ? /^pkg:([a-z0-9.+-]+)\//i.exec(c.purl) : null;
      if (m && !seen.has(c.purl!)) {
        seen.add(c.purl!);
        const t = m[1]!.toLowerCase();
        byType[t] = (byType[t] ?? 0) + 1;
      }
      walk(c.components);
    }
  };
  walk(b.components);
  const total = Object.values(byType).reduce((a, n) => a + n, 0);
  return { byType: Object.fromEntries(Object.entries(byType).sort(([a], [b2]) => (a < b2 ? -1 : 1))), total };
}

export interface SecretFinding {
  target: string;
  rule: string;
  severity: string;
  title: string;
  line?: number;
}

/** The fields kfc reads of Trivy's JSON report (`trivy image --format json`). */
export interface TrivyReport {
  Results?: {
    Target?: string;
    Class?: string;
    Secrets?: { RuleID?: string; Severity?: string; Title?: string; StartLine?: number }[];
    Vulnerabilities?: {
      VulnerabilityID?: string;
      Severity?: string;
      PkgName?: string;
      FixedVersion?: string;
      /** fixed, affected, will_not_fix, …; absent when unknown. */
      Status?: string;
    }[];
  }[];
}

export function trivySecrets(report: unknown): SecretFinding[] {
  const r = report as TrivyReport;
  if (!r || typeof r !== 'object') throw new Error('not a Trivy JSON report');
  return (r.Results ?? []).flatMap((res) =>
    (res.Secrets ?? []).map((s) => ({
      target: res.Target ?? '?',
      rule: s.RuleID ?? '?',
      severity: s.Severity ?? 'UNKNOWN',
      title: s.Title ?? '',
      line: s.StartLine,
    })),
  );
}

const SEVERITIES = VULN_SEVERITIES;

/** The gate's breaches, most severe first: e.g. `2 CRITICAL > 0 allowed`. */
export function gateVulns(counts: Record<string, number>, max: Partial<Record<string, number>>): string[] {
  return SEVERITIES.filter((s) => max[s] !== undefined && (counts[s] ?? 0) > max[s]!).map(
    (s) => `${counts[s]} ${s} > ${max[s]} allowed`,
  );
}

export function vulnCounts(report: unknown): Record<string, number> {
  const r = report as TrivyReport;
  const counts: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  const seen = new Set<string>();
  for (const res of r.Results ?? []) {
    for (const v of res.Vulnerabilities ?? []) {
      // One count per vulnerability and package (a package can be in several targets).
      const key = `${v.VulnerabilityID}|${v.PkgName}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const sev = (v.Severity ?? 'UNKNOWN').toUpperCase();
      counts[sev] = (counts[sev] ?? 0) + 1;
    }
  }
  return counts;
}
