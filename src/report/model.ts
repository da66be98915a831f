import type { EfficiencyMetrics } from '../metrics/efficiency.ts';
import type { ImageSharing } from '../metrics/family.ts';
import type { Breach, EffectiveGates } from '../metrics/gates.ts';
import type { CacheHit, RefereeImage } from '../referees/model.ts';
import type { SecurityUpdatesResult } from '../referees/upgradable.ts';
import type { Manifests } from './manifests.ts';

export const REPORT_VERSION = 1;

export interface LayerReport {
  index: number;
  diffId: string;
  /** Σ regular file sizes. */
  size: number;
  tarBytes: number;
  files: number;
  regularFiles: number;
  hardlinks: number;
  symlinks: number;
  whiteouts: number;
  /** Short instruction, e.g. `RUN apt-get update && …`. */
  instruction: string;
  bit?: string;
  /** Catalog node that lists the bit. */
  owner?: string;
  bitLine?: number;
  /** From the root base image (no instruction of ours). */
  base: boolean;
  /** Also a layer of the parent image. */
  inParent: boolean;
}

export interface WastedReport {
  path: string;
  cumulativeBytes: number;
  minBytes: number;
  removed: boolean;
  /** The layers that wrote or removed it: index, instruction and bit. */
  layers: { index: number; instruction: string; bit?: string }[];
}

export interface StartReport {
  starts: number;
  /** docker run → readiness URL 200, each start. */
  samplesMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Interquartile range of the samples. */
  iqrMs: number;
  url: string;
  failures: string[];
}

export interface ImageReport {
  name: string;
  parent?: string;
  root: string;
  publish: boolean;
  ref: string;
  id: string;
  created: string;
  tags: string[];
  /** The engine's image size (`docker image inspect .Size`), bytes. */
  size: number;
  layers: LayerReport[];
  metrics: Omit<EfficiencyMetrics, 'topWasted'> & { topWasted: WastedReport[] };
  sharing: ImageSharing;
  manifests?: Manifests;
  start?: StartReport;
  gates: EffectiveGates;
  breaches: Breach[];
  measuredAt: string;
  notes: string[];
  /** What the field's tools said (kfc referee), for this very image ID. */
  referees?: RefereeSummary;
  /** Pending Debian security / point-release updates, checked now (never cached: it depends on the day). */
  securityUpdates?: SecurityUpdatesResult;
  /** Where this run's time went for the image (absent in reports written before they were kept). */
  seconds?: ImageSeconds;
  /** Served from the result cache: the figures are the stored run's (measuredAt), start times included. */
  cached?: CacheHit;
}

/** One image's time in this run, in seconds: one save read by every reader. */
export interface ImageSeconds {
  /** docker save (to a file, or read as it streamed: then kfc's reading is in it); 0 when not saved. */
  save: number;
  /** kfc's archive reading and layer figures. */
  kfc: number;
  manifests?: number;
  starts?: number;
  dive?: number;
  /** Trivy's one pass (secrets, vulnerabilities) and the SBOM converted from it. */
  trivy?: number;
  total: number;
  /** The parts served from the result cache instead (report, referees). */
  cached?: string[];
}

export interface RefereeSummary {
  dive?: { efficiency: number; wastedBytes: number; pass: boolean; agree: boolean; directoryRemovedBytes: number };
  sbom?: { total: number; byType: Record<string, number> };
  secrets?: number;
  vulns?: Record<string, number>;
  vulnGate?: RefereeImage['vulnGate'];
  problems: string[];
  measuredAt: string;
}

export interface FamilyReport {
  version: number;
  generatedAt: string;
  images: ImageReport[];
  family: {
    images: number;
    sumBytes: number;
    uniqueBytes: number;
    uniqueLayers: number;
    sumLayers: number;
    ratio: number;
  };
  /** Catalog images without a local build when the report was made. */
  missing: string[];
  breaches: Breach[];
  notes: string[];
}

/** Last test results as `kfc test --json` writes them (reports/tests.json). */
export type TestResults = Record<string, { ok: boolean; at?: string; files?: string[] }>;
