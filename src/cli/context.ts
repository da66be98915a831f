import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CATALOG_FILE, type LoadOptions, loadCatalog } from '../catalog/load.ts';
import type { Catalog } from '../catalog/model.ts';
import { KfcError } from '../errors.ts';

/** The repository root: --root, else the nearest folder upward holding images.yaml, else cwd. */
export function repoRoot(cmd: Command): string {
  const opt = cmd.optsWithGlobals().root as string | undefined;
  if (opt) return resolve(opt);
  let dir = process.cwd();
  for (;;) {
    if (existsSync(join(dir, CATALOG_FILE))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export function catalogFor(cmd: Command, opts?: LoadOptions): Catalog {
  return loadCatalog(repoRoot(cmd), opts);
}

export function wantsJson(cmd: Command): boolean {
  return Boolean(cmd.optsWithGlobals().json);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** commander collector for a repeatable option (--build-arg, --docker-arg, --image-ref …). */
export function repeatable(value: string, prev: string[] = []): string[] {
  return [...prev, value];
}

/**
 * A repeatable NAME=VALUE option (`--build-arg KEY=VALUE`, `--image-ref NAME=REF`) as a map; a
 * malformed one is a user error showing `example`.
 */
export function parsePairs(option: string, list: string[] = [], shape: string, example: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new KfcError(`${option} "${kv}" is not ${shape}`, { hint: `e.g. ${option} ${example}` });
    out.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return out;
}

/** --build-arg KEY=VALUE options (kfc build, kfc bake) as a record. */
export function parseBuildArgs(list: string[] = []): Record<string, string> {
  return Object.fromEntries(parsePairs('--build-arg', list, 'KEY=VALUE', 'DEBIAN_MIRROR=http://mirror.example/debian'));
}

/** --base-ref KEY=REF options (kfc build, kfc bake): root base key → a pushed copy of it. */
export function parseBaseRefs(list: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const m = /^([a-z0-9][a-z0-9-]*)=(\S+)$/.exec(item);
    if (!m)
      throw new KfcError(`--base-ref "${item}" is not KEY=REF`, {
        hint: 'e.g. --base-ref trixie=ghcr.io/acme/kfc-debian:trixie',
      });
    out[m[1]!] = m[2]!;
  }
  return out;
}
