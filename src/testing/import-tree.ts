/**
 * The local files a suite file reads through its imports, transitively (tests/images/** helpers,
 * src/** modules): esbuild resolves the tree without writing anything; npm packages are left out
 * (package-lock.json stands for them).
 */

import { build, type Message } from 'esbuild';
import { digestFiles } from '../cache/digest.ts';

/** The suite file's import tree: paths relative to `root`, sorted (the file itself included). */
export async function importTree(file: string, root: string): Promise<string[]> {
  const r = await build({
    entryPoints: [file],
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

/** digestFiles of the import tree, or why it could not be read (e.g. a syntax error: the run will show it). */
export async function importTreeDigest(
  file: string,
  root: string,
): Promise<{ digest: string; files: number } | { error: string }> {
  try {
    const files = await importTree(file, root);
    return { digest: digestFiles(files, root), files: files.length };
  } catch (e) {
    const [first] = (e as { errors?: Message[] }).errors ?? [];
    const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
    const what = first?.text ?? ((e as Error).message ?? String(e)).split('\n')[0] ?? 'esbuild failed';
    return { error: `${where}${what}`.slice(0, 200) };
  }
}
