/**
 * Which of kfc's own modules can change an image, its tags or its verdict: every module that the
 * build, tag/push, test and report entry points (and the image suites) import, directly or not.
 * Read from the import statements, so a new module is classified by what uses it, not by a list.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const KFC_ROOT = resolve(import.meta.dirname, '../..');

/**
 * The catalog loader (every verb reads images.yaml through it) and the modules that build, tag,
 * push, test or judge images; the image suites are added to them. The CLI files are not: they
 * parse options and call these.
 */
const IMAGE_ENTRIES = [
  'src/catalog/load.ts',
  'src/engine/build.ts',
  'src/engine/refs.ts',
  'src/engine/registry.ts',
  'src/testing/run.ts',
  'src/report/run.ts',
];

const IMPORT =
  /(?:^|\s)(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function suiteFiles(root: string, dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

let cached: Set<string> | undefined;

/** Repository-relative paths (src/…) of the modules that can change an image. */
export function imageSources(root = KFC_ROOT): Set<string> {
  if (root === KFC_ROOT && cached) return cached;
  const seen = new Set<string>();
  const queue = [...IMAGE_ENTRIES, ...suiteFiles(root, 'tests/images')];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file) || !existsSync(join(root, file))) continue;
    seen.add(file);
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(IMPORT)) {
      queue.push(relative(root, resolve(root, dirname(file), (m[1] ?? m[2])!)));
    }
  }
  const sources = new Set([...seen].filter((f) => f.startsWith('src/')));
  if (root === KFC_ROOT) cached = sources;
  return sources;
}
