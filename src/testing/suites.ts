import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageNode } from '../catalog/model.ts';

export const IMAGE_TESTS_DIR = 'tests/images';

/**
 * The suites an image runs, in order: general/ (unless the image opts out), each ancestor's
 * folder root first, the image's own, then any extra suites it names. Pure apart from listing.
 */
export function suiteDirs(node: ImageNode): string[] {
  const dirs: string[] = [];
  if (node.spec.test.general) dirs.push('general');
  for (const n of node.chain) dirs.push(n.name);
  for (const s of node.spec.test.suites) dirs.push(s);
  return [...new Set(dirs)];
}

export function suiteFiles(root: string, node: ImageNode): string[] {
  const files: string[] = [];
  for (const d of suiteDirs(node)) {
    const dir = join(root, IMAGE_TESTS_DIR, d);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.test.ts')) files.push(join(IMAGE_TESTS_DIR, d, f));
  }
  return files;
}
