/** One layer tar read while it streams: its content (headers only), counts, and diff_id. */
import { createHash } from 'node:crypto';
import { type LayerContent, LayerContentBuilder, type LayerStats, layerStats } from '../layer-content.ts';
import { type Chunks, feed, newExtract } from './chunks.ts';

/** A layer read from an archive. */
export interface LayerScan extends LayerContent, LayerStats {
  /** sha256 of the uncompressed layer tar, i.e. the image config's diff_id. */
  diffId: string;
  /** Length of the uncompressed layer tar. */
  tarBytes: number;
  /** Where it was in the archive (e.g. `<id>/layer.tar` or `blobs/sha256/<hex>`). */
  archivePath: string;
}

/** Reads one (uncompressed) layer tar while it streams; keeps headers only. */
export async function scanLayerTar(chunks: Chunks, archivePath = ''): Promise<LayerScan> {
  const hash = createHash('sha256');
  let tarBytes = 0;
  const extract = newExtract();
  const builder = new LayerContentBuilder();
  const reading = (async () => {
    for await (const entry of extract) {
      builder.add(entry.header);
      entry.resume();
    }
  })();
  const feeding = feed(chunks, extract, (c) => {
    hash.update(c);
    tarBytes += c.length;
  });
  await Promise.all([feeding, reading]);
  const content = builder.content;
  return { ...content, ...layerStats(content), diffId: `sha256:${hash.digest('hex')}`, tarBytes, archivePath };
}
