/** One image's layers as the report shows them: size, files, the instruction and bit that wrote each. */

import type { ImageNode } from '../catalog/model.ts';
import { renderDockerfile } from '../generate/generate.ts';
import type { ArchiveImage } from '../metrics/archive/image-archive.ts';
import { attributeLayers } from '../metrics/attribution.ts';
import type { WastedPath } from '../metrics/efficiency.ts';
import type { LayerReport, WastedReport } from './model.ts';

/**
 * Each layer of `image` with its origin. `baseIds`: the root base's own layers (by digest; empty
 * when the base is not here), `parentIds`: the parent image's. The notes say what could not be told.
 */
export function layerReports(
  node: ImageNode,
  image: ArchiveImage,
  baseIds: Set<string>,
  parentIds: Set<string>,
): { layers: LayerReport[]; notes: string[] } {
  const notes: string[] = [];
  const origins = attributeLayers(image.config, renderDockerfile(node));
  const attributed = origins.filter((o) => o.bit).length;
  const own = image.layers.filter((l) => !baseIds.has(l.diffId)).length;
  if (baseIds.size && attributed < own)
    notes.push(
      `${own - attributed} of ${own} layer(s) above the base could not be matched to an instruction ` +
        'of the generated Dockerfile (built from another Dockerfile?)',
    );
  const layers: LayerReport[] = image.layers.map((l, i) => {
    const o = origins[i];
    return {
      index: i,
      diffId: l.diffId,
      size: l.size,
      tarBytes: l.tarBytes,
      files: l.files,
      regularFiles: l.regularFiles,
      hardlinks: l.hardlinks,
      symlinks: l.symlinks,
      whiteouts: l.whiteoutMarkers,
      instruction: o?.step?.summary ?? '',
      ...(o?.bit ? { bit: o.bit, owner: o.owner, bitLine: o.bitLine } : {}),
      // The base's digests are more robust than history when an image was not built from the
      // generated Dockerfile (e.g. committed by hand).
      base: baseIds.size ? baseIds.has(l.diffId) : (o?.base ?? i === 0),
      inParent: parentIds.has(l.diffId),
    };
  });
  const hardlinks = layers.reduce((a, l) => a + l.hardlinks, 0);
  const symlinks = layers.reduce((a, l) => a + l.symlinks, 0);
  if (hardlinks || symlinks)
    notes.push(
      `${hardlinks} hard link(s) and ${symlinks} symbolic link(s) count 0 bytes (their bytes belong to the target)`,
    );
  return { layers, notes };
}

/** The largest wasted paths, each naming the instructions (and bits) of the layers that wrote it. */
export function wastedReports(top: WastedPath[], layers: LayerReport[]): WastedReport[] {
  return top.map((w) => ({
    path: `/${w.path}`,
    cumulativeBytes: w.cumulativeBytes,
    minBytes: w.minBytes,
    removed: w.removed,
    layers: w.layers.map((i) => ({
      index: i,
      instruction: layers[i]?.instruction ?? '',
      ...(layers[i]?.bit ? { bit: layers[i]!.bit } : {}),
    })),
  }));
}
