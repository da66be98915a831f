import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KfcError } from '../errors.ts';
import type { ImageNode, PythonFiles } from './model.ts';
import { inPath, lockPath } from './python-lock-format.ts';

/**
 * Reads the Python requirement and lock files the catalog names. A lock name belongs to one image
 * (its ancestors' locks are separate files), and its requirements file must exist.
 */
export function readPythonSources(
  root: string,
  nodes: ImageNode[],
  where: (image: string, field: string) => string,
): Map<string, PythonFiles> {
  const out = new Map<string, PythonFiles>();
  for (const n of nodes) {
    const name = n.spec.python;
    if (!name) continue;
    const prev = out.get(name);
    if (prev) {
      throw new KfcError(`python lock "${name}" is already used by image "${prev.owner}"`, {
        where: where(n.name, 'python'),
        hint: `give ${n.name} its own lock name (usually the image name)`,
      });
    }
    const req = join(root, inPath(name));
    if (!existsSync(req)) {
      throw new KfcError(`${inPath(name)} does not exist`, {
        where: where(n.name, 'python'),
        hint: `create ${inPath(name)} (one requirement a line) or remove the python field`,
      });
    }
    const lock = join(root, lockPath(name));
    out.set(name, { owner: n.name, in: readFileSync(req), lock: existsSync(lock) ? readFileSync(lock) : undefined });
  }
  return out;
}

/** The lock names of a node's chain, root first: what its image installs. */
export function lockChain(node: ImageNode): string[] {
  return node.chain.flatMap((n) => (n.spec.python ? [n.spec.python] : []));
}
