/** `kfc push` and `kfc pull` of a catalog image, timed; signed on push and verified on pull on request. */

import { join } from 'node:path';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { sbomFor } from '../publish/sbom.ts';
import { pushedDigests, type SignResult, signImage, verifyImage } from '../publish/signing.ts';
import { docker, inspectImage, requireEngine } from './docker.ts';
import { resolveRefs } from './refs.ts';
import { pull, pushAllTags } from './registry.ts';

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = Date.now();
  const value = await work();
  return { value, seconds: (Date.now() - t0) / 1000 };
}

export interface SignOptions {
  /** cosign private key file (default: $KFC_COSIGN_KEY, a path or the key's text). */
  key?: string;
  /** Where kfc referee's SBOMs are (reports/), and where a new one is written. */
  reportsDir?: string;
  log?: (s: string) => void;
}

/** Pushes every local tag of REPO/IMAGE (the seed's --all-tags); with `sign`, signs each pushed digest. */
export async function pushImage(
  catalog: Catalog,
  node: ImageNode,
  opts: { repo?: string; retries: number; sign?: SignOptions },
) {
  await requireEngine();
  const target = (await resolveRefs(catalog, opts)).repositoryOf(node);
  const { value: tags, seconds } = await timed(() => pushAllTags(target, opts.retries));
  const signed: SignResult[] = [];
  if (opts.sign) {
    const log = opts.sign.log ?? ((s: string) => process.stderr.write(`${s}\n`));
    for (const digestRef of await pushedDigests(target, tags)) {
      const id = (await inspectImage(digestRef))?.id ?? '';
      const reports = opts.sign.reportsDir ?? join(catalog.root, 'reports');
      const sbom = await sbomFor(reports, node.name, digestRef, id, log);
      signed.push(await signImage(digestRef, sbom, { key: opts.sign.key }));
    }
  }
  return { target, tags, seconds, signed };
}

/** Pulls REPO/IMAGE:TAG; returns its image ID. With `verify`, only the digest that verified is pulled. */
export async function pullImage(
  catalog: Catalog,
  node: ImageNode,
  opts: { repo?: string; tag?: string; retries: number; verify?: { key?: string } },
) {
  await requireEngine();
  const ref = (await resolveRefs(catalog, opts)).refOf(node);
  if (!opts.verify) {
    const { value: id, seconds } = await timed(() => pull(ref, opts.retries));
    return { ref, id, seconds };
  }
  const verified = await verifyImage(ref, opts.verify.key);
  const { value: id, seconds } = await timed(async () => {
    await pull(verified.digestRef, opts.retries);
    await docker(['tag', verified.digestRef, ref]);
    return (await inspectImage(ref))?.id ?? '';
  });
  return { ref, id, seconds, verified };
}
