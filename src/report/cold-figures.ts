/**
 * The cold-node benchmark's figures (`kfc node-pull --cold` measures them, reports/cold-node.json keeps them,
 * kfc report shows them): the rows, the file, the Markdown table. Pure.
 */

/** Where kfc node-pull --cold keeps its last figures, under the catalog root. */
export const COLD_FIGURES = 'reports/cold-node.json';

export type ColdCase = 'parent present' | 'nothing present';

export const COMPRESSIONS = ['gzip', 'zstd'] as const;
export type LayerCompression = (typeof COMPRESSIONS)[number];

export interface ColdRow {
  image: string;
  case: ColdCase;
  /** How the pushed layers were compressed. */
  compression: LayerCompression;
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

/** reports/cold-node.json: one run of kfc node-pull --cold. */
export interface ColdFigures {
  /** When the run ended (ISO). */
  at: string;
  tag: string;
  /** The nodes' engine: its dockerd and server version. */
  node: { dockerd: string; version: string };
  /** `uptime` when the benchmark started and when it ended: the machine's load around the figures. */
  load: { start: string; end: string };
  /** Most bytes the registry's storage and the node's data root held together (du, after each pull). */
  peakDiskBytes: number;
  rows: ColdRow[];
  problems: string[];
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export function formatColdTable(rows: readonly ColdRow[]): string {
  return [
    '| image | case | compression | layers (pulled / all) | pulled | transfer | unpack | container start |' +
      ' server ready | total to ready |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.image} | ${r.case}${r.onNode.length ? ` (${r.onNode.join(', ')})` : ''} | ${r.compression} | ` +
        `${r.pulledLayers} / ${r.layers} | ${mb(r.pulledBytes)} | ${s(r.transferMs)} | ${s(r.unpackMs)} | ` +
        `${s(r.startMs)} | ${s(r.readyMs)} | ${r.problems.length ? 'FAILED' : s(r.totalMs)} |`,
    ),
  ].join('\n');
}

/** The cold-node section of kfc report's README.md. */
export function coldMarkdown(f: ColdFigures): string[] {
  return [
    '',
    '## Cold node: time to a ready notebook',
    '',
    `\`kfc node-pull --cold\` at ${f.at} (tag ${f.tag}): each image pulled by a fresh node (${f.node.dockerd}, ` +
      `Docker ${f.node.version}) from a loopback registry and started the Kubeflow way until its ready path answered.`,
    `Load: ${f.load.start} … ${f.load.end}.`,
    '',
    formatColdTable(f.rows),
  ];
}
