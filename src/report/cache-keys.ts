/**
 * What a cached report or referee result was measured from: the key's named parts, and the key
 * (their sha256). A part that changes is a new key, so a stale entry is never found. Pure.
 */
import { digestParts } from '../cache/digest.ts';
import type { VulnGate } from '../catalog/schema.ts';
import type { EffectiveGates } from '../metrics/gates.ts';

export interface ReportKeyInput {
  imageId: string;
  /** The ancestors' image IDs, root first ('absent' for one not built here): sharing is measured against them. */
  ancestorIds: string[];
  /** The root base's image ID ('absent' when it is not in the engine): its layers are marked base. */
  baseId: string;
  /** The catalog node (bits, gates, test), as layers are named by its bits. */
  node: unknown;
  gates: EffectiveGates;
  starts: number;
  startTimeoutMs: number;
  manifests: boolean;
  /** Digest of the measuring code (code-digest.ts) and the engine's version. */
  code: string;
  engine: string;
}

export function reportKeyParts(i: ReportKeyInput): Record<string, string> {
  return {
    kind: 'kfc report image v1',
    image: i.imageId,
    ancestors: i.ancestorIds.join(' ') || 'none',
    base: i.baseId,
    node: JSON.stringify(i.node),
    gates: JSON.stringify(i.gates),
    starts: `${i.starts} timeout ${i.startTimeoutMs} ms`,
    manifests: String(i.manifests),
    code: i.code,
    engine: i.engine,
  };
}

export interface RefereeKeyInput {
  imageId: string;
  code: string;
  dive?: { version: string; config: string; minEfficiency: number };
  trivy?: {
    version: string;
    /** The DB's metadata and size (db.ts), or 'off' when vulnerabilities are not scanned. */
    db: string;
    /** The Java DB's identity, when there is one. */
    javaDb?: string;
    gate?: VulnGate;
    /** Digest of the allowlist file ('none'), and the IDs it still suppresses today. */
    ignoreFile: string;
    ignored: string[];
  };
}

export function refereeKeyParts(i: RefereeKeyInput): Record<string, string> {
  const d = i.dive;
  const t = i.trivy;
  return {
    kind: 'kfc referee image v1',
    image: i.imageId,
    code: i.code,
    dive: d ? `${d.version}; .dive-ci ${d.config}; minEfficiency ${d.minEfficiency}` : 'off',
    trivy: t ? `${t.version}; java db ${t.javaDb ?? 'absent'}` : 'off',
    vulns: t ? t.db : 'off',
    gate: JSON.stringify(t?.gate ?? null),
    ignore: t ? `${t.ignoreFile}; active ${t.ignored.join(' ') || 'none'}` : 'off',
  };
}

/** The key of a set of parts: sha256 hex. */
export const keyOf = (parts: Record<string, string>): string => digestParts(parts);
