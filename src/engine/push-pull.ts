/** `kfc push` and `kfc pull` of a catalog image, timed. */

import type { Catalog, ImageNode } from '../catalog/model.ts';
import { requireEngine } from './docker.ts';
import { resolveRefs } from './refs.ts';
import { pull, pushAllTags } from './registry.ts';

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = Date.now();
  const value = await work();
  return { value, seconds: (Date.now() - t0) / 1000 };
}

/** Pushes every local tag of REPO/IMAGE (the seed's --all-tags). */
export async function pushImage(catalog: Catalog, node: ImageNode, opts: { repo?: string; retries: number }) {
  await requireEngine();
  const target = (await resolveRefs(catalog, opts)).repositoryOf(node);
  const { value: tags, seconds } = await timed(() => pushAllTags(target, opts.retries));
  return { target, tags, seconds };
}

/** Pulls REPO/IMAGE:TAG; returns its image ID. */
export async function pullImage(
  catalog: Catalog,
  node: ImageNode,
  opts: { repo?: string; tag?: string; retries: number },
) {
  await requireEngine();
  const ref = (await resolveRefs(catalog, opts)).refOf(node);
  const { value: id, seconds } = await timed(() => pull(ref, opts.retries));
  return { ref, id, seconds };
}
