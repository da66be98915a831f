/** One image's report: its layers and waste, sharing, manifests and start time, judged by its gates. */

import { performance } from 'node:perf_hooks';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import type { ArchiveImage } from '../metrics/archive/image-archive.ts';
import { analyzeLayers } from '../metrics/efficiency.ts';
import type { ImageSharing } from '../metrics/family.ts';
import { type Breach, checkGates, type EffectiveGates, effectiveGates } from '../metrics/gates.ts';
import type { InspectedImage, ReportEngine } from './engine.ts';
import { layerReports, wastedReports } from './layer-report.ts';
import type { Manifests } from './manifests.ts';
import type { ImageReport, StartReport } from './model.ts';

/** What is measured, besides the archive: each has its cost (containers, minutes). */
export interface MeasureOptions {
  engine: ReportEngine;
  refOf: (node: ImageNode) => string;
  manifests: boolean;
  starts: number;
  startTimeoutMs?: number;
  log: (s: string) => void;
}

/** Start figures measured before the image's save (kfc report times every image's starts first). */
export interface TimedStart {
  start: StartReport;
  seconds: number;
}

/** What collectReport found of one image: the engine's view and its layers as read from the archive. */
export interface ImageFacts {
  node: ImageNode;
  ref: string;
  info: InspectedImage;
  image: ArchiveImage;
  /** The parent's layer digests, when the parent is built here. */
  parentIds?: string[];
  /** The root base's layer digests (empty when the base is not here). */
  baseIds: Set<string>;
  sharing: ImageSharing;
}

const secs = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;

const envOf = (env: string[], key: string) => env.find((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);

/** Whether this image's start time is measured: publishable images only, when starts are asked for. */
export const timesStarts = (node: ImageNode, opts: Pick<MeasureOptions, 'starts'>): boolean =>
  opts.starts > 0 && node.spec.publish;

/** `starts` docker runs of the image, each timed to its readiness URL's 200. */
export async function measureStarts(f: Pick<ImageFacts, 'node' | 'ref'>, opts: MeasureOptions): Promise<TimedStart> {
  const { node } = f;
  const t0 = performance.now();
  opts.log(`kfc report: ${node.name}: ${opts.starts} start(s) → ${node.spec.test.ready} under NB_PREFIX`);
  const start = await opts.engine.measureStart(f.ref, node.spec.test.ready, opts.starts, {
    timeoutMs: opts.startTimeoutMs,
    log: opts.log,
  });
  return { start, seconds: secs(t0) };
}

/** A start that never answered breaches the start gate whatever its threshold. */
function neverStarted(image: string, start: StartReport, gates: EffectiveGates): Breach {
  return {
    image,
    metric: 'startMedianMs',
    value: Infinity,
    threshold: gates.maxStartMedianMs ?? 0,
    kind: 'max',
    source: gates.source.maxStartMedianMs ?? '',
    message: `${image}: never answered 200 at ${start.url} (${start.failures[0] ?? ''})`,
  };
}

/** Where measuring went: kfc's layer figures, the manifests' and the starts' containers. */
export interface MeasureSeconds {
  kfc: number;
  manifests?: number;
  starts?: number;
}

export async function measureImage(
  catalog: Catalog,
  f: ImageFacts,
  opts: MeasureOptions,
  timed?: TimedStart,
): Promise<{ report: ImageReport; seconds: MeasureSeconds }> {
  const { node, info } = f;
  let t0 = performance.now();
  const { layers, notes } = layerReports(node, f.image, f.baseIds, new Set(f.parentIds ?? []));
  const m = analyzeLayers(f.image.layers);
  if (node.parent && !f.parentIds)
    notes.push(`parent ${node.parent.name} is not built here (${opts.refOf(node.parent)}): no sharing figure`);
  const seconds: MeasureSeconds = { kfc: secs(t0) };

  let manifests: Manifests | undefined;
  if (opts.manifests) {
    opts.log(`kfc report: ${node.name}: package manifests`);
    t0 = performance.now();
    manifests = await opts.engine.manifests(f.ref, envOf(info.env, 'CONDA_DIR') ?? '/opt/conda');
    seconds.manifests = secs(t0);
  }
  let start: StartReport | undefined;
  if (opts.starts > 0 && !node.spec.publish) notes.push('internal stage (publish: false): start time not measured');
  if (timesStarts(node, opts)) {
    const t = timed ?? (await measureStarts(f, opts));
    start = t.start;
    seconds.starts = t.seconds;
  }

  const gates = effectiveGates(node.name, catalog.spec.gates, node.spec.gates);
  const breaches = checkGates(
    {
      image: node.name,
      size: info.size,
      efficiency: m.efficiency,
      startMedianMs: start && start.starts > 0 ? start.medianMs : undefined,
      parentShare: f.sharing.parent?.ratio,
      parent: node.parent?.name,
    },
    gates,
  );
  if (start && start.starts === 0) breaches.push(neverStarted(node.name, start, gates));
  const report: ImageReport = {
    name: node.name,
    ...(node.parent ? { parent: node.parent.name } : {}),
    root: node.chain[0]!.name,
    publish: node.spec.publish,
    ref: f.ref,
    id: info.id,
    created: info.created,
    tags: info.tags,
    size: info.size,
    layers,
    metrics: { ...m, topWasted: wastedReports(m.topWasted, layers) },
    sharing: f.sharing,
    ...(manifests ? { manifests } : {}),
    ...(start ? { start } : {}),
    gates,
    breaches,
    measuredAt: new Date().toISOString(),
    notes,
  };
  return { report, seconds };
}
