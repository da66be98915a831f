/**
 * One `docker save` of one image, read by kfc: to a file when dive and Trivy read it too (the caller
 * deletes it), else read as it streams with nothing on disk. Says what was saved, how big and how long.
 */
import { createReadStream, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { ArchiveImage } from '../metrics/archive/image-archive.ts';
import { readImageArchive } from '../metrics/archive/image-archive.ts';
import type { LayerScan } from '../metrics/archive/layer-tar.ts';
import type { ReportEngine } from './engine.ts';

export interface SavedImage {
  /** kfc's reading of the image; undefined when the archive lacks its image ID. */
  image?: ArchiveImage;
  /** Every layer in the archive, by diff_id (an ancestor's are among them). */
  layers: Map<string, LayerScan>;
  notes: string[];
  /** The archive on disk, when one was asked for. */
  file?: string;
  bytes: number;
  seconds: { save: number; kfc: number };
}

export interface SaveRequest {
  name: string;
  ref: string;
  id: string;
  /** Write the archive here (for other readers); absent: stream it. */
  file?: string;
  /** Log prefix (`kfc report`, `kfc referee`) and why, when it is not the image's own turn. */
  verb: string;
  why?: string;
  log: (s: string) => void;
}

export const secondsSince = (t0: number): number => Math.round((performance.now() - t0) / 100) / 10;

export async function saveImage(engine: ReportEngine, r: SaveRequest): Promise<SavedImage> {
  let t0 = performance.now();
  let archive: Awaited<ReturnType<typeof readImageArchive>>;
  let bytes: number;
  const seconds = { save: 0, kfc: 0 };
  if (r.file) {
    await engine.saveTo(r.ref, r.file);
    seconds.save = secondsSince(t0);
    bytes = statSync(r.file).size;
    t0 = performance.now();
    archive = await readImageArchive(createReadStream(r.file));
    seconds.kfc = secondsSince(t0);
  } else {
    ({ archive, bytes } = await engine.saveAndRead(r.ref));
    seconds.save = secondsSince(t0);
  }
  const how = r.file ? `to ${r.file}` : 'read as it streamed';
  r.log(
    `${r.verb}: ${r.name}: saved ${r.ref} (${(bytes / 1e9).toFixed(2)} GB, ${how}) in ${seconds.save} s` +
      (r.why ? ` ${r.why}` : ''),
  );
  return {
    image: archive.images.find((i) => i.id === r.id),
    layers: archive.layers,
    notes: archive.notes,
    ...(r.file ? { file: r.file } : {}),
    bytes,
    seconds,
  };
}
