/**
 * The digest of the kfc source files an entry point imports, transitively: esbuild resolves the tree
 * (its metafile's inputs) without writing anything; npm packages are left out (package-lock.json stands
 * for them, added by the caller where it matters). The one way kfc keys a result by its own code: a
 * suite file's imports (`kfc test`), the measuring code (`kfc report`), node-pull's code (`kfc node-pull`).
 */

import { build, type Message } from 'esbuild';
import { digestFiles } from './digest.ts';

/** The entry point's import tree: paths relative to `root`, sorted (the entry itself included). */
export async function importTree(entry: string, root: string): Promise<string[]> {
  const r = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  return Object.keys(r.metafile.inputs).sort();
}

export type ImportDigest = { digest: string; files: number } | { error: string };

/**
 * digestFiles of the entry's import tree and of `extra` files (paths and bytes, relative to `root`, so
 * clones elsewhere agree), or why the tree could not be read (e.g. a syntax error, with its file:line).
 */
export async function importDigest(entry: string, root: string, extra: string[] = []): Promise<ImportDigest> {
  try {
    const files = [...(await importTree(entry, root)), ...extra];
    return { digest: digestFiles(files, root), files: files.length };
  } catch (e) {
    const [first] = (e as { errors?: Message[] }).errors ?? [];
    const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
    const what = first?.text ?? ((e as Error).message ?? String(e)).split('\n')[0] ?? 'esbuild failed';
    return { error: `${where}${what}`.slice(0, 200) };
  }
}

/** importDigest of one of kfc's own modules, which must be readable (else the code is broken). */
export async function ownCodeDigest(entry: string, root: string, extra: string[] = []): Promise<string> {
  const d = await importDigest(entry, root, extra);
  if ('error' in d) throw new Error(`kfc: the imports of ${entry} cannot be read: ${d.error}`);
  return d.digest;
}
