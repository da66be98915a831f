/**
 * The result-cache key of one image's node pull (src/cache/store.ts): everything the pull, its three
 * accounts, the identity check and the smoke read. The image's ID, the IDs of the images already on the
 * node (its chain and any sibling branch the node still holds), the engines' and the registry's versions,
 * how the layers are compressed and pushed,
 * the smoke it ran, the signature check before the pull (cosign's version), and node-pull's own source:
 * the import tree of node-pull.ts (esbuild's metafile).
 */

import { codeRoot } from '../cache/code-root.ts';
import { digestParts } from '../cache/digest.ts';
import { ownCodeDigest } from '../cache/import-digest.ts';

/** The digest of node-pull.ts and every kfc source file it imports, by path under the clone (clones share it). */
export function nodePullSourceDigest(): Promise<string> {
  return ownCodeDigest('src/nodepull/node-pull.ts', codeRoot());
}

export interface NodePullKeyInput {
  imageId: string;
  /** The images on the node before this pull, in order, with their IDs. */
  onNode: { name: string; id: string }[];
  engineVersion: string;
  registryVersion: string;
  /** How the layers are written and pushed (zstd's level and version, skopeo's version). */
  layers: string;
  /** What the smoke checks ("off", or the ready path and "+kernel"). */
  smoke: string;
  /** How the image is signed and verified before the node pulls it (cosign's version). */
  verify: string;
  source: string;
}

export function nodePullKey(input: NodePullKeyInput): { key: string; parts: Record<string, string> } {
  const parts = {
    image: input.imageId,
    onNode: input.onNode.map((n) => `${n.name}=${n.id}`).join(' '),
    engine: input.engineVersion,
    registry: input.registryVersion,
    layers: input.layers,
    smoke: input.smoke,
    verify: input.verify,
    source: input.source,
  };
  return { key: digestParts(parts), parts };
}
