import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { configuredIndex, redactUrl } from './index-url.ts';

/**
 * The Python index of a build as the BuildKit secret "pip-index-url" (it may carry credentials),
 * for images that install from the index. The file lives in .kfc/secrets/ (0600) for the build only.
 */
export function indexSecret(catalog: Catalog, node: ImageNode): { args: string[]; note?: string; cleanup: () => void } {
  const index = configuredIndex();
  if (!index || !node.requires.includes('pypi')) return { args: [], cleanup: () => {} };
  const dir = join(catalog.root, '.kfc', 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `pip-index-url-${process.pid}-${randomBytes(3).toString('hex')}`);
  writeFileSync(file, index, { mode: 0o600 });
  return {
    args: ['--secret', `id=pip-index-url,src=${file}`],
    note: `Python index ${redactUrl(index)} (secret pip-index-url)`,
    cleanup: () => rmSync(file, { force: true }),
  };
}
