import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageNode } from '../catalog/model.ts';
import { IMAGE_TESTS_DIR, suiteDirs } from '../catalog/suites.ts';

/** The suite files of an image, in suiteDirs order, sorted within a folder. */
export function suiteFiles(root: string, node: ImageNode): string[] {
  const files: string[] = [];
  for (const d of suiteDirs(node)) {
    const dir = join(root, IMAGE_TESTS_DIR, d);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.test.ts')) files.push(join(IMAGE_TESTS_DIR, d, f));
  }
  return files;
}
