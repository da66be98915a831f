/**
 * The small per-layer figures (diff_id, sizes) of the images read so far in a run, kept instead of
 * their archives: a child's sharing figures need its parent's and root's layers, and an ancestor that
 * was not saved itself is found in its descendant's archive (its layers are a prefix there). Pure.
 */

export interface LayerSummary {
  diffId: string;
  /** Σ regular file sizes. */
  size: number;
  /** Uncompressed tar length. */
  tarBytes: number;
}

export class LayerBook {
  private readonly byImage = new Map<string, LayerSummary[]>();
  private readonly byDiffId = new Map<string, LayerSummary>();

  /** Records an image's layers (bottom first) by its image ID. */
  add(imageId: string, layers: readonly LayerSummary[]): void {
    const own = layers.map((l) => ({ diffId: l.diffId, size: l.size, tarBytes: l.tarBytes }));
    this.byImage.set(imageId, own);
    for (const l of own) this.byDiffId.set(l.diffId, l);
  }

  /** Records layers seen in an archive without knowing their image yet. */
  pool(layers: Iterable<LayerSummary>): void {
    for (const l of layers) this.byDiffId.set(l.diffId, { diffId: l.diffId, size: l.size, tarBytes: l.tarBytes });
  }

  /**
   * An image's layers: recorded, or put together from layers seen elsewhere when every one of its
   * diff_ids (docker image inspect) was; undefined when one is unknown.
   */
  get(imageId: string, diffIds: readonly string[]): LayerSummary[] | undefined {
    const known = this.byImage.get(imageId);
    if (known) return known;
    const found = diffIds.map((d) => this.byDiffId.get(d));
    if (found.some((l) => !l)) return undefined;
    const layers = found as LayerSummary[];
    this.byImage.set(imageId, layers);
    return layers;
  }
}
