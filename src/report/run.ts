/**
 * `kfc report`'s measuring: finds the images in the engine, reads their layers in one pass, and
 * measures each (measure.ts) against the family's sharing figures.
 */

import { performance } from 'node:perf_hooks';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { familySharing } from '../metrics/family.ts';
import type { ArchiveImage, ImageArchive } from '../metrics/layers.ts';
import { dockerReportEngine } from './docker-engine.ts';
import type { InspectedImage, ReportEngine } from './engine.ts';
import { type MeasureOptions, measureImage } from './measure.ts';
import { familyReport } from './merge.ts';
import type { FamilyReport, ImageReport } from './model.ts';

export interface CollectOptions extends Omit<MeasureOptions, 'engine'> {
  /** The engine read from (default: the local Docker engine). */
  engine?: ReportEngine;
}

interface Found {
  node: ImageNode;
  ref: string;
  info: InspectedImage;
}

/** The images of `involved` present in the engine, and the wanted ones that are not. */
async function findImages(
  engine: ReportEngine,
  involved: ImageNode[],
  wanted: Set<string>,
  refOf: (node: ImageNode) => string,
): Promise<{ found: Map<string, Found>; missing: string[] }> {
  const found = new Map<string, Found>();
  const missing: string[] = [];
  for (const node of involved) {
    const ref = refOf(node);
    const info = await engine.inspect(ref);
    if (info) found.set(node.name, { node, ref, info });
    else if (wanted.has(node.name)) missing.push(node.name);
  }
  return { found, missing };
}

async function readArchive(engine: ReportEngine, refs: string[], log: (s: string) => void): Promise<ImageArchive> {
  log(`kfc report: reading ${refs.length} image(s) with docker save: ${refs.join(' ')}`);
  const t0 = performance.now();
  const archive = await engine.saveAndRead(refs);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  log(`kfc report: ${archive.layers.size} distinct layer(s) read in ${seconds} s`);
  return archive;
}

/** Each found image's layers from the archive, by image name; the ones the archive lacks are notes. */
function matchArchived(found: Map<string, Found>, archive: ImageArchive, notes: string[]): Map<string, ArchiveImage> {
  const byId = new Map<string, ArchiveImage>(archive.images.map((i) => [i.id, i]));
  const archived = new Map<string, ArchiveImage>();
  for (const [name, f] of found) {
    const img = byId.get(f.info.id);
    if (img) archived.set(name, img);
    else notes.push(`${name}: ${f.ref} (${f.info.id}) not found in the saved archive`);
  }
  return archived;
}

/** Measures the named images (their present ancestors are read too, for sharing). */
export async function collectReport(catalog: Catalog, nodes: ImageNode[], opts: CollectOptions): Promise<FamilyReport> {
  const engine = opts.engine ?? dockerReportEngine;
  const notes: string[] = [];
  const wanted = new Set(nodes.map((n) => n.name));
  // Ancestors give the sharing figures; their layers are in the children's save anyway.
  const involved = catalog.order.filter((n) => wanted.has(n.name) || nodes.some((w) => w.chain.includes(n)));
  const { found, missing } = await findImages(engine, involved, wanted, opts.refOf);
  if (found.size === 0) return familyReport([], missing, notes);

  const archive = await readArchive(
    engine,
    [...found.values()].map((f) => f.ref),
    opts.log,
  );
  notes.push(...archive.notes);
  const archived = matchArchived(found, archive, notes);
  const sharing = familySharing(
    [...archived].map(([name, img]) => {
      const { node } = found.get(name)!;
      const layers = img.layers.map((l) => ({ diffId: l.diffId, size: l.size, tarBytes: l.tarBytes }));
      return { name, parent: node.parent?.name, root: node.chain[0]!.name, layers };
    }),
  );
  const shareOf = new Map(sharing.images.map((s) => [s.name, s]));

  const images: ImageReport[] = [];
  const baseLayers = new Map<string, Set<string>>();
  for (const node of nodes) {
    const f = found.get(node.name);
    const image = archived.get(node.name);
    if (!f || !image) continue;
    if (!baseLayers.has(node.baseImage))
      baseLayers.set(node.baseImage, new Set((await engine.inspect(node.baseImage))?.diffIds ?? []));
    const facts = {
      ...f,
      image,
      parent: node.parent && archived.get(node.parent.name),
      baseIds: baseLayers.get(node.baseImage)!,
      sharing: shareOf.get(node.name)!,
    };
    images.push(await measureImage(catalog, facts, { ...opts, engine }));
  }
  return familyReport(images, missing, notes);
}
