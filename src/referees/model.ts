import type { CrossCheck } from './dive.ts';
import type { SbomCounts, SecretFinding } from './trivy.ts';
import type { SecurityUpdatesResult } from './upgradable.ts';

/** A result served from the result cache (src/cache): its key and when it was stored. */
export interface CacheHit {
  /** sha256 of the key's parts (src/report/cache-keys.ts). */
  key: string;
  storedAt: string;
}

/** What the referee tools said about one built image (reports/referees.json, shown by kfc report). */
export interface RefereeImage {
  name: string;
  ref: string;
  /** Image ID the figures belong to: kfc report attaches them only to the same image. */
  id: string;
  archiveBytes: number;
  /** This run's: save and kfc's reading of the archive, dive, Trivy's one pass and SBOM conversion. */
  seconds: { save: number; kfc: number; dive?: number; trivy?: number };
  dive?: CrossCheck;
  sbom?: SbomCounts & { file: string };
  secrets?: SecretFinding[];
  /** Per severity, when a Trivy vulnerability database was available. */
  vulns?: Record<string, number>;
  /** The catalog's gate: counts per severity after ignore-unfixed and the allowlist, against `max`. */
  vulnGate?: {
    max: Partial<Record<string, number>>;
    ignoreUnfixed: boolean;
    ignoreFile?: string;
    counts: Record<string, number>;
    pass: boolean;
  };
  /** Pending Debian security / point-release updates (never cached: it depends on the day). */
  securityUpdates?: SecurityUpdatesResult;
  problems: string[];
  /** What was left out and why (e.g. Java archives without a Java DB). */
  notes: string[];
  measuredAt: string;
  /** Served from the result cache: the verdicts are the stored run's (measuredAt). */
  cached?: CacheHit;
}

export interface RefereeFile {
  version: 1;
  tools: Record<string, string>;
  images: RefereeImage[];
}
