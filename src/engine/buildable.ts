import type { Catalog, ImageNode } from '../catalog/model.ts';
import { buildability } from '../catalog/sources.ts';
import { gatherSourceState } from './sources.ts';

/**
 * `kfc build --all`: the images this machine can build (their sources reachable), saying
 * precisely what it leaves out and why.
 */
export async function buildableHere(catalog: Catalog, log: (s: string) => void): Promise<ImageNode[]> {
  const state = await gatherSourceState(catalog, catalog.order, { network: true });
  return catalog.order.filter((n) => {
    const b = buildability(catalog, n, state);
    if (!b.ok) log(`kfc build: skipping ${n.name}: ${b.missing.join('; ')}`);
    return b.ok;
  });
}
