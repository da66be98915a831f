/**
 * The digest of the code that measures and judges an image (src/report/run.ts and everything it
 * imports, found by esbuild) and of package-lock.json: a cached result is only reused by the same
 * code. Paths are relative to kfc's root, so clones elsewhere on the machine share the entries.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { digestParts } from '../cache/digest.ts';

/** kfc's own root (src/ and package-lock.json), from the sources or from the bundle under node_modules. */
function kfcRoot(): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'src', 'report', 'run.ts')) && existsSync(join(dir, 'package-lock.json'))) return dir;
  throw new Error(`kfc's sources are not above ${import.meta.dirname}`);
}

let memo: Promise<string> | undefined;

export function measuringCodeDigest(): Promise<string> {
  memo ??= (async () => {
    const root = kfcRoot();
    const esbuild = await import('esbuild');
    const r = await esbuild.build({
      absWorkingDir: root,
      entryPoints: ['src/report/run.ts'],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const files = [...Object.keys(r.metafile.inputs), 'package-lock.json'].sort();
    const sha = (f: string) =>
      createHash('sha256')
        .update(readFileSync(join(root, f)))
        .digest('hex');
    return digestParts(Object.fromEntries(files.map((f) => [f, sha(f)])));
  })();
  return memo;
}
