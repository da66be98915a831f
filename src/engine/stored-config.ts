/**
 * An image's config as the local engine keeps it, read from the engine's image store: a `docker save` writes
 * every layer of the image to reach those few kilobytes. Docker's overlay2-era store keeps it at
 * <DockerRootDir>/image/<driver>/imagedb/content/sha256/<hex>; that needs the engine on this machine and a
 * reader who may read its data root (root). The bytes are unchecked here: the caller keeps them only if their
 * sha256 is the image ID (LayerBlobs.keepConfig), so another layout, another engine or a remote one is a miss,
 * never a wrong config.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker } from './docker.ts';

export async function storedImageConfig(imageId: string): Promise<Buffer | undefined> {
  const info = await docker(['info', '--format', '{{.DockerRootDir}}\t{{.Driver}}']);
  const [root, driver] = info.failed ? [] : info.stdout.trim().split('\t');
  if (!root || !driver) return undefined;
  try {
    return readFileSync(join(root, 'image', driver, 'imagedb', 'content', 'sha256', imageId.replace(/^sha256:/, '')));
  } catch {
    return undefined;
  }
}
