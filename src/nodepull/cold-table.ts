/** A cold-node benchmark's rows (`kfc node-pull --cold`) as a Markdown table. Pure. */

import type { ColdCase } from './cold-plan.ts';

export interface ColdRow {
  image: string;
  case: ColdCase;
  /** Images on the fresh node before the timed pull. */
  onNode: string[];
  /** Layers in the image's manifest, and those the node downloaded. */
  layers: number;
  pulledLayers: number;
  /** Σ compressed sizes of the manifest's layers and config; what the registry served for this pull. */
  imageBytes: number;
  pulledBytes: number;
  /** docker pull, split (pull-phases.ts): transfer, then the unpack after the last layer arrived. */
  pullMs: number;
  transferMs: number;
  unpackMs: number;
  /** `docker run -d` under the Kubeflow contract, then its return → the ready path answered 200. */
  startMs: number;
  readyMs: number;
  /** Pull start → the ready path answered 200 (pullMs + startMs + readyMs). */
  totalMs: number;
  /** NB_PREFIX + the catalog's ready path. */
  path: string;
  problems: string[];
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export function formatColdTable(rows: readonly ColdRow[]): string {
  return [
    '| image | case | layers (pulled / all) | pulled | transfer | unpack | container start | server ready |' +
      ' total to ready |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.image} | ${r.case}${r.onNode.length ? ` (${r.onNode.join(', ')})` : ''} | ` +
        `${r.pulledLayers} / ${r.layers} | ${mb(r.pulledBytes)} | ${s(r.transferMs)} | ${s(r.unpackMs)} | ` +
        `${s(r.startMs)} | ${s(r.readyMs)} | ${r.problems.length ? 'FAILED' : s(r.totalMs)} |`,
    ),
  ].join('\n');
}
