/**
 * The result-cache key of one image's node pull (src/cache/store.ts): everything the pull, its three
 * accounts, the identity check and the smoke read. The image's ID, the IDs of the images already on the
 * node (its chain and any sibling branch the node still holds), the engine's and the registry's versions,
 * the smoke it ran, the signature check before the pull (cosign's version), and node-pull's own source:
 * the import tree of node-pull.ts (esbuild's metafile).
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { digestParts } from '../cache/digest.ts';
import { KfcError } from '../errors.ts';

const ENTRY = 'src/nodepull/node-pull.ts';

/** kfc's clone: up from this module, which runs from src/ or from bin/kfc.js's bundle under node_modules/.cache. */
function kfcRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, ENTRY))) return dir;
    if (dirname(dir) === dir) throw new KfcError(`${ENTRY} not found above ${fileURLToPath(import.meta.url)}`);
  }
}

/** sha256 of node-pull.ts and every kfc source file it imports, by path under the clone (clones share it). */
export async function nodePullSourceDigest(): Promise<string> {
  const root = kfcRoot();
  const r = await build({
    entryPoints: [join(root, ENTRY)],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const files = Object.keys(r.metafile.inputs).sort();
  return digestParts(Object.fromEntries(files.map((f) => [f, readFileSync(join(root, f), 'utf8')])));
}

export interface NodePullKeyInput {
  imageId: string;
  /** The images on the node before this pull, in order, with their IDs. */
  onNode: { name: string; id: string }[];
  engineVersion: string;
  registryVersion: string;
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
    smoke: input.smoke,
    verify: input.verify,
    source: input.source,
  };
  return { key: digestParts(parts), parts };
}
