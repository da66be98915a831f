/**
 * The digest of the code that measures and judges an image (src/report/run.ts and everything it
 * imports) and of package-lock.json: a cached result is only reused by the same code. Paths are
 * relative to kfc's root, so clones elsewhere on the machine share the entries.
 */
import { codeRoot } from '../cache/code-root.ts';
import { ownCodeDigest } from '../cache/import-digest.ts';

let memo: Promise<string> | undefined;

export function measuringCodeDigest(): Promise<string> {
  memo ??= ownCodeDigest('src/report/run.ts', codeRoot(), ['package-lock.json']);
  return memo;
}
