import type { Catalog, ImageNode } from '../catalog/model.ts';
import { lockChain } from '../catalog/python-files.ts';
import { lockPath } from '../catalog/python-lock-format.ts';
import type { GeneratedFile } from './file.ts';

/** output/<image>/wheelhouse/README: keeps the folder bits bind present in a standalone context. */
export const WHEELHOUSE_README =
  'kfc build stages the locked wheels of this image here (after `kfc fetch IMAGE`), bound for one RUN.\n' +
  'Without wheels, kfc-python-install installs from the Python index.\n';

/**
 * The Python files of output/<image>/: the locks of the node and its ancestors (python/<name>.lock)
 * and an empty wheelhouse/. A lock not made yet is left out (kfc generate --check reports it).
 */
export function pythonContextFiles(catalog: Catalog, node: ImageNode): GeneratedFile[] {
  const chain = lockChain(node);
  if (chain.length === 0) return [];
  const files: GeneratedFile[] = [
    { path: 'wheelhouse/README', content: Buffer.from(WHEELHOUSE_README), executable: false },
  ];
  for (const name of chain) {
    const lock = catalog.python?.get(name)?.lock;
    if (lock) files.push({ path: lockPath(name), content: lock, executable: false });
  }
  return files;
}
