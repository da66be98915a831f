/**
 * Three accounts of one pull into a node, which must agree: the blobs the registry served (its
 * access log), the manifest's layers the node did not hold yet, and the layers docker pull says it
 * downloaded. And which registry blobs may go once the node has an image. Pure.
 */

import type { BlobFetch } from './pull-bytes.ts';

interface Descriptor {
  digest: string;
  size: number;
}

export interface ManifestV2 {
  config: Descriptor;
  layers: Descriptor[];
}

/** docker pull's short layer id: the first 12 hex digits of the compressed digest. */
export const shortId = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

/**
 * docker pull's per-layer status lines (printed one by one when stdout is not a terminal):
 * '<id>: Pull complete' for a layer it downloaded, '<id>: Already exists' for one it had.
 */
export function pullStatus(out: string): { pulled: Set<string>; present: Set<string> } {
  const pulled = new Set<string>();
  const present = new Set<string>();
  for (const m of out.matchAll(/^([0-9a-f]{12}): (Pull complete|Already exists)\s*$/gm))
    (m[2] === 'Pull complete' ? pulled : present).add(m[1]!);
  return { pulled, present };
}

export interface PullAccounts {
  /** Layer digests the registry served (the config blob left out). */
  registry: string[];
  /** Layer digests of the manifest the node did not hold before the pull. */
  manifest: string[];
  /** Short ids docker pull downloaded. */
  node: string[];
  /** Why they disagree; empty when they agree. */
  problems: string[];
}

const sorted = (s: Iterable<string>) => [...new Set(s)].sort();

/** The three accounts of a pull and whether they name the same layers. */
export function pullAccounts(
  manifest: ManifestV2,
  onNode: ReadonlySet<string>,
  fetched: BlobFetch[],
  pullOutput: string,
): PullAccounts {
  const registry = sorted(fetched.map((f) => f.digest).filter((d) => d !== manifest.config.digest));
  const missing = sorted(manifest.layers.map((l) => l.digest).filter((d) => !onNode.has(d)));
  const { pulled, present } = pullStatus(pullOutput);
  const node = sorted(pulled);
  const problems: string[] = [];
  const list = (xs: string[]) => (xs.length ? xs.map(shortId).join(' ') : 'none');
  const extra = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
  if (registry.join() !== missing.join())
    problems.push(
      `registry served ${list(extra(registry, missing))} beyond, and not ${list(extra(missing, registry))} of,` +
        ' the layers the node lacked',
    );
  const missingIds = missing.map(shortId);
  if (node.join() !== sorted(missingIds).join())
    problems.push(
      `docker pull downloaded ${list(extra(node, missingIds))} beyond, and not ${list(extra(missingIds, node))} of,` +
        ' the layers the node lacked',
    );
  const said = new Set([...pulled, ...present]);
  const silent = sorted(manifest.layers.map((l) => shortId(l.digest)).filter((id) => !said.has(id)));
  if (silent.length) problems.push(`docker pull reported nothing for layer(s) ${silent.join(' ')}`);
  return { registry, manifest: missing, node, problems };
}

/**
 * Registry blobs to delete once the node holds an image: its config and every layer no later image
 * has. Layers are matched by uncompressed digest (the build engine's RootFS diff ids, in manifest
 * order); when the counts differ the mapping is unknown and only the config goes.
 */
export function blobsToDelete(manifest: ManifestV2, diffIds: string[], laterDiffIds: ReadonlySet<string>): string[] {
  if (diffIds.length !== manifest.layers.length) return [manifest.config.digest];
  const keep = new Set(manifest.layers.filter((_, i) => laterDiffIds.has(diffIds[i]!)).map((l) => l.digest));
  return sorted([manifest.config.digest, ...manifest.layers.map((l) => l.digest).filter((d) => !keep.has(d))]);
}

/**
 * Content identity: the image the node pulled must be the one built (the same image ID, the digest of
 * its config). Undefined when it is; else the problem, naming both IDs.
 */
export function identityProblem(buildId: string, nodeId: string): string | undefined {
  if (buildId && buildId === nodeId) return undefined;
  return `the node's image ID ${nodeId || '(none)'} is not the build engine's ${buildId || '(none)'}`;
}
