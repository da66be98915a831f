/**
 * The one known accounting difference between kfc report and dive (docs/report.md, "Difference from
 * dive"): when a later layer deletes a whole directory (a `.wh.<dir>` whiteout or an opaque
 * directory), kfc counts every file of the removed subtree as written and then removed — waste —
 * while dive counts the directory as one occurrence and shows no waste for it. For a deleted
 * single file both agree. Pure.
 */
import type { LayerContent } from '../metrics/layer-content.ts';

/**
 * Bytes of files that were written once and later removed with their directory: what kfc counts as
 * wasted and dive does not. kfc's figures minus this, compared to dive's, must agree.
 */
export function directoryRemovedBytes(layers: LayerContent[]): number {
  const visible = new Map<string, { size: number; writes: number }>();
  const explained = new Map<string, number>();
  for (const layer of layers) {
    const removeUnder = (dir: string) => {
      const prefix = dir === '' ? '' : `${dir}/`;
      for (const [path, f] of visible) {
        if (!path.startsWith(prefix)) continue;
        if (f.writes === 1 && f.size > 0) explained.set(path, f.size);
        visible.delete(path);
      }
    };
    for (const p of layer.whiteouts) {
      removeUnder(p);
      visible.delete(p); // a single file: both tools count it alike
    }
    for (const p of layer.opaques) removeUnder(p);
    // Last write of a path within one layer wins, as in analyzeLayers.
    const written = new Map<string, number>();
    for (const e of layer.entries) if (e.kind !== 'dir') written.set(e.path, e.size);
    for (const [path, size] of written) {
      const before = visible.get(path);
      // Written again after its directory went: dive sees two occurrences too, so no difference.
      const wasExplained = explained.has(path);
      explained.delete(path);
      visible.set(path, { size, writes: (before?.writes ?? 0) + (wasExplained ? 2 : 1) });
    }
  }
  let total = 0;
  for (const s of explained.values()) total += s;
  return total;
}
