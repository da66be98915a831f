/**
 * `kfc push --sign` and `kfc pull --verify`: the engine's push and pull (src/engine/push-pull.ts) with
 * cosign around them. Push, then sign each pushed digest and attest its SBOM; verify the digest the
 * tag points at, then pull that digest (not the tag, which may have moved) and tag it.
 */
import { join } from 'node:path';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { docker, inspectImage, requireEngine } from '../engine/docker.ts';
import { pushImage } from '../engine/push-pull.ts';
import { resolveRefs } from '../engine/refs.ts';
import { pull } from '../engine/registry.ts';
import { sbomFor } from './sbom.ts';
import { pushedDigests, type SignResult, signImage, verifyImage } from './signing.ts';

export interface SignOptions {
  /** cosign private key file (default: $KFC_COSIGN_KEY, a path or the key's text). */
  key?: string;
  /** Where kfc referee's SBOMs are (default: reports/), and where a new one is written. */
  reportsDir?: string;
  log?: (s: string) => void;
}

/** Pushes every local tag of REPO/IMAGE, then signs each pushed digest and attests its SBOM. */
export async function pushAndSign(
  catalog: Catalog,
  node: ImageNode,
  opts: { repo?: string; retries: number; sign: SignOptions },
) {
  const pushed = await pushImage(catalog, node, opts);
  const log = opts.sign.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const reports = opts.sign.reportsDir ?? join(catalog.root, 'reports');
  const signed: SignResult[] = [];
  for (const digestRef of await pushedDigests(pushed.target, pushed.tags)) {
    const id = (await inspectImage(digestRef))?.id ?? '';
    const sbom = await sbomFor({
      name: node.name,
      ref: digestRef,
      id,
      dir: join(reports, 'sbom'),
      reportsDir: reports,
      verb: 'kfc push',
      log,
    });
    signed.push(await signImage(digestRef, sbom, { key: opts.sign.key }));
  }
  return { ...pushed, signed };
}

/** Verifies REPO/IMAGE:TAG with the public key, then pulls the digest that verified; returns its image ID. */
export async function verifyAndPull(
  catalog: Catalog,
  node: ImageNode,
  opts: { repo?: string; tag?: string; retries: number; key?: string },
) {
  await requireEngine();
  const ref = (await resolveRefs(catalog, opts)).refOf(node);
  const verified = await verifyImage(ref, opts.key);
  const t0 = Date.now();
  await pull(verified.digestRef, opts.retries);
  await docker(['tag', verified.digestRef, ref]);
  const id = (await inspectImage(ref))?.id ?? '';
  return { ref, id, seconds: (Date.now() - t0) / 1000, verified };
}
