/**
 * kfc's own checkout (its package.json, package-lock.json and node_modules), found from this module:
 * bin/kfc.js runs a bundle under node_modules/.cache/kfc/, so a fixed '../..' would land in the cache.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const NAME = 'kubeflow-containers';

export function codeRoot(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === NAME) return dir;
      } catch {
        // not ours
      }
    }
    if (dirname(dir) === dir) throw new Error(`kfc: no ${NAME} package.json above ${from}`);
  }
}
