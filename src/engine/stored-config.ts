/**
 * An image's config exactly as the local engine keeps it (its sha256 is the image ID), read from the engine's
 * image store: a `docker save` writes every layer of the image to reach those few kilobytes. Docker's
 * overlay2-era store keeps it at <DockerRootDir>/image/<driver>/imagedb/content/sha256/<hex>; that needs the
 * engine on this machine and a reader who may read its data root (root). The bytes are checked against the
 * image ID, so another layout, another engine or a remote one is a miss, never a wrong config.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker } from './docker.ts';

export async function storedImageConfig(imageId: string): Promise<Buffer | undefined> {
  const info = await docker(['info', '--format', '{{.DockerRootDir}}\t{{.Driver}}']);
  const [root, driver] = info.failed ? [] : info.stdout.trim().split('\t');
  if (!root || !driver) return undefined;
  const hex = imageId.replace(/^sha256:/, '');
  try {
    const bytes = readFileSync(join(root, 'image', driver, 'imagedb', 'content', 'sha256', hex));
    return `sha256:${createHash('sha256').update(bytes).digest('hex')}` === imageId ? bytes : undefined;
  } catch {
    return undefined;
  }
}
