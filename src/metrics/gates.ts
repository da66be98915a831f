/**
 * Report gates: every threshold comes from images.yaml (`gates:` for all images, `images.<name>.gates`
 * per image); a threshold the catalog does not set is not checked. Pure.
 */
import type { Gates, SecurityUpdatesGate, VulnGate } from '../catalog/schema.ts';

export interface EffectiveGates {
  minEfficiency?: number;
  /** Bytes, decimal (1 GB = 10^9 bytes, as `docker images` prints). */
  maxSize?: number;
  maxStartMedianMs?: number;
  /** Shared bytes with the parent / parent bytes (1: a child reuses every parent layer). */
  minParentShare?: number;
  /** kfc referee's Trivy gate; an image's own replaces the family's whole. */
  vulnerabilities?: VulnGate;
  /** Pending Debian security/point-release updates (kfc referee, kfc report); an image's own replaces the family's. */
  securityUpdates?: SecurityUpdatesGate;
  /** Where each threshold came from, e.g. `images.yaml gates`, `images.yaml images.x.gates`. */
  source: Record<string, string>;
}

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9 };

export function parseSize(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)$/i.exec(v.trim());
  if (!m) throw new Error(`not a size: ${v}`);
  return Math.round(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
}

export function formatBytes(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

export function effectiveGates(image: string, global: Gates | undefined, own: Gates | undefined): EffectiveGates {
  const g: EffectiveGates = { source: {} };
  const apply = (gates: Gates | undefined, where: string) => {
    if (!gates) return;
    if (gates.minEfficiency !== undefined) {
      g.minEfficiency = gates.minEfficiency;
      g.source.minEfficiency = where;
    }
    if (gates.maxSize !== undefined) {
      g.maxSize = parseSize(gates.maxSize);
      g.source.maxSize = where;
    }
    if (gates.maxStartMedianMs !== undefined) {
      g.maxStartMedianMs = gates.maxStartMedianMs;
      g.source.maxStartMedianMs = where;
    }
    if (gates.minParentShare !== undefined) {
      g.minParentShare = gates.minParentShare;
      g.source.minParentShare = where;
    }
    if (gates.vulnerabilities !== undefined) {
      g.vulnerabilities = gates.vulnerabilities;
      g.source.vulnerabilities = where;
    }
    if (gates.securityUpdates !== undefined) {
      g.securityUpdates = gates.securityUpdates;
      g.source.securityUpdates = where;
    }
  };
  apply(global, 'images.yaml gates');
  apply(own, `images.yaml images.${image}.gates`);
  return g;
}

export interface GateInput {
  image: string;
  size?: number;
  efficiency?: number;
  startMedianMs?: number;
  /** Shared bytes with the parent / parent bytes (absent for roots). */
  parentShare?: number;
  parent?: string;
}

export interface Breach {
  image: string;
  metric: 'efficiency' | 'size' | 'startMedianMs' | 'parentShare' | 'securityUpdates';
  value: number;
  threshold: number;
  /** 'min' means value must be ≥ threshold; 'max' means ≤. */
  kind: 'min' | 'max';
  source: string;
  message: string;
}

export function checkGates(input: GateInput, gates: EffectiveGates): Breach[] {
  const out: Breach[] = [];
  const b = (metric: Breach['metric'], value: number, threshold: number, kind: Breach['kind'], text: string) =>
    out.push({
      image: input.image,
      metric,
      value,
      threshold,
      kind,
      source: gates.source[metricKey(metric)] ?? '',
      message: `${input.image}: ${text} (${gates.source[metricKey(metric)]})`,
    });
  if (input.efficiency !== undefined && gates.minEfficiency !== undefined && input.efficiency < gates.minEfficiency) {
    b(
      'efficiency',
      input.efficiency,
      gates.minEfficiency,
      'min',
      `efficiency ${input.efficiency.toFixed(4)} < ${gates.minEfficiency}`,
    );
  }
  if (input.size !== undefined && gates.maxSize !== undefined && input.size > gates.maxSize) {
    b(
      'size',
      input.size,
      gates.maxSize,
      'max',
      `size ${formatBytes(input.size)} (${input.size} B) > ${formatBytes(gates.maxSize)}`,
    );
  }
  if (
    input.startMedianMs !== undefined &&
    gates.maxStartMedianMs !== undefined &&
    input.startMedianMs > gates.maxStartMedianMs
  ) {
    b(
      'startMedianMs',
      input.startMedianMs,
      gates.maxStartMedianMs,
      'max',
      `start median ${Math.round(input.startMedianMs)} ms > ${gates.maxStartMedianMs} ms`,
    );
  }
  if (
    input.parentShare !== undefined &&
    gates.minParentShare !== undefined &&
    input.parentShare < gates.minParentShare
  ) {
    b(
      'parentShare',
      input.parentShare,
      gates.minParentShare,
      'min',
      `reuses ${(input.parentShare * 100).toFixed(1)}% of ${input.parent ?? 'its parent'}'s layer bytes ` +
        `< ${gates.minParentShare * 100}%`,
    );
  }
  return out;
}

function metricKey(m: Breach['metric']): string {
  return m === 'efficiency'
    ? 'minEfficiency'
    : m === 'size'
      ? 'maxSize'
      : m === 'startMedianMs'
        ? 'maxStartMedianMs'
        : m === 'securityUpdates'
          ? 'securityUpdates'
          : 'minParentShare';
}
