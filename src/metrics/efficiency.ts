/**
 * Dive-style efficiency of an image from its layers (see docs/report.md):
 * - each path written in a layer is one occurrence with that size; a whiteout `.wh.<name>`
 *   (or an opaque directory `.wh..wh..opq`) in layer k adds, for every file it hides from the
 *   layers below, an occurrence of size 0 in layer k — so the removed subtree's bytes still count
 *   in the cumulative size but the minimum becomes 0;
 * - efficiency = Σ over paths of the smallest occurrence / Σ over paths of all occurrences
 *   (1 when the image holds no bytes); a path written once counts size/size;
 * - wasted bytes = Σ cumulative size of the paths with 2 or more occurrences;
 * - user-wasted ratio = wasted bytes / bytes of every layer above the first.
 */
import { type LayerContent, type LayerEntry, layerStats } from './layer-content.ts';
import { StackedTree } from './stacked-tree.ts';

export interface WastedPath {
  path: string;
  /** Σ of the path's occurrences. */
  cumulativeBytes: number;
  /** The smallest occurrence (0 when a layer removed it). */
  minBytes: number;
  /** Indices of the layers that wrote (or removed) the path, bottom first. */
  layers: number[];
  /** True when one of those layers removed it (whiteout / opaque directory). */
  removed: boolean;
}

export interface EfficiencyMetrics {
  efficiency: number;
  /** Σ per-path minimum. */
  minBytes: number;
  /** Σ per-path cumulative size. */
  cumulativeBytes: number;
  wastedBytes: number;
  /** Paths present in 2 or more layers. */
  wastedPaths: number;
  /** Σ layer sizes (all layers). */
  totalBytes: number;
  /** Σ layer sizes above the first layer. */
  userBytes: number;
  /** wasted / userBytes (0 when there is nothing above the first layer). */
  userWastedRatio: number;
  /** The largest wasted paths, by cumulative size (ties by path). */
  topWasted: WastedPath[];
}

const TOP_WASTED = 20;

interface PathData {
  cumulative: number;
  min: number;
  layers: number[];
  removed: boolean;
}

/** Dive-style efficiency of an image given its layers, bottom first. */
export function analyzeLayers(layers: LayerContent[], top = TOP_WASTED): EfficiencyMetrics {
  const tree = new StackedTree();
  const paths = new Map<string, PathData>();
  const occur = (path: string, size: number, layer: number, removed: boolean) => {
    const d = paths.get(path);
    if (!d) paths.set(path, { cumulative: size, min: size, layers: [layer], removed });
    else {
      d.cumulative += size;
      if (size < d.min) d.min = size;
      if (d.layers[d.layers.length - 1] !== layer) d.layers.push(layer);
      d.removed ||= removed;
    }
  };
  let totalBytes = 0;
  let userBytes = 0;
  layers.forEach((layer, k) => {
    const size = layerStats(layer).size;
    totalBytes += size;
    if (k > 0) userBytes += size;
    // Last write of a path within one layer wins (a tar may repeat a name).
    const written = new Map<string, LayerEntry>();
    for (const e of layer.entries) if (e.kind !== 'dir') written.set(e.path, e);
    const removed = new Map<string, number>();
    for (const p of layer.whiteouts) for (const [rp, s] of tree.remove(p)) removed.set(rp, s);
    for (const p of layer.opaques) for (const [rp, s] of tree.clear(p)) removed.set(rp, s);
    for (const e of layer.entries) {
      const displaced = tree.set(e.path, e.kind === 'dir', e.size);
      for (const [rp, s] of displaced) if (rp !== e.path || e.kind === 'dir') removed.set(rp, s);
    }
    for (const [rp] of removed) if (!written.has(rp)) occur(rp, 0, k, true);
    for (const [p, e] of written) occur(p, e.size, k, false);
  });
  let minBytes = 0;
  let cumulativeBytes = 0;
  let wastedBytes = 0;
  const wasted: WastedPath[] = [];
  for (const [path, d] of paths) {
    minBytes += d.min;
    cumulativeBytes += d.cumulative;
    const occurrences = d.layers.length;
    if (occurrences >= 2) {
      if (d.cumulative === 0) continue; // repeated empty files, links, symlinks: nothing wasted
      wastedBytes += d.cumulative;
      wasted.push({ path, cumulativeBytes: d.cumulative, minBytes: d.min, layers: d.layers, removed: d.removed });
    }
  }
  wasted.sort((a, b) => b.cumulativeBytes - a.cumulativeBytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    efficiency: cumulativeBytes === 0 ? 1 : minBytes / cumulativeBytes,
    minBytes,
    cumulativeBytes,
    wastedBytes,
    wastedPaths: wasted.length,
    totalBytes,
    userBytes,
    userWastedRatio: userBytes === 0 ? 0 : wastedBytes / userBytes,
    topWasted: wasted.slice(0, top),
  };
}
