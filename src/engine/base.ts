import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import type { BaseSpec } from '../catalog/schema.ts';
import { KfcError } from '../errors.ts';
import {
  type AptArchive,
  archiveLabels,
  archiveUrls,
  fetchArchives,
  mirrorFor,
  securityMirrorFor,
} from './apt-archives.ts';
import { docker, imageExists, requireEngine } from './docker.ts';

export interface BaseResult {
  image: string;
  created: boolean;
  seconds: number;
}

/**
 * The apt sources of the root base, one-line style: the release, its point-release updates and
 * Debian's security archive, so the base is made with every security fix published so far.
 */
export function baseSources(base: BaseSpec): string[] {
  const components = base.components.join(' ');
  return archiveUrls(base).map(({ suite, url }) => `deb ${url.replace(/\/dists\/.*$/, '')} ${suite} ${components}`);
}

/** `docker import` changes recording how the root filesystem was made. */
function baseLabels(base: BaseSpec, date: string, archives: AptArchive[]): string[] {
  return [
    `org.opencontainers.image.title=${base.image}`,
    `org.opencontainers.image.description=Debian ${base.suite} ${base.variant} made by mmdebstrap`,
    `org.opencontainers.image.created=${date}`,
    `org.kfc.base.suite=${base.suite}`,
    `org.kfc.base.variant=${base.variant}`,
    `org.kfc.base.mirror=${mirrorFor(base)}`,
    `org.kfc.base.security-mirror=${securityMirrorFor(base)}`,
    `org.kfc.base.suites=${archiveUrls(base)
      .map((a) => a.suite)
      .join(',')}`,
    `org.kfc.base.components=${base.components.join(',')}`,
    ...Object.entries(archiveLabels(archives)).map(([k, v]) => `${k}=${v}`),
  ];
}

/** Creates the root base image with mmdebstrap + docker import unless it exists (or force). */
export async function ensureBase(
  base: BaseSpec,
  opts: { force?: boolean; log?: (s: string) => void } = {},
): Promise<BaseResult> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  await requireEngine();
  if (!opts.force && (await imageExists(base.image))) return { image: base.image, created: false, seconds: 0 };
  const mm = await execa('mmdebstrap', ['--version'], { reject: false });
  if (mm.failed)
    throw new KfcError('mmdebstrap is not installed; it makes the root base image', {
      hint: 'apt-get install mmdebstrap (scripts/provision.sh does it)',
    });
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'kfc-base-'));
  const tar = join(dir, 'rootfs.tar');
  try {
    // The archive state the base is made from, for its labels (and a clear error when unreachable).
    const archives = await fetchArchives(base);
    log(
      `kfc base: mmdebstrap ${base.suite} (${base.variant}) from ${mirrorFor(base)} + ${securityMirrorFor(base)} ...`,
    );
    const res = await execa('mmdebstrap', [`--variant=${base.variant}`, base.suite, tar, ...baseSources(base)], {
      reject: false,
      all: true,
    });
    if (res.failed) {
      const tail = (res.all ?? '').split('\n').filter(Boolean).slice(-5).join(' | ');
      throw new KfcError(`mmdebstrap failed for ${base.suite} from ${mirrorFor(base)}: ${tail}`, {
        where: 'images.yaml bases',
        hint: 'check the mirror URL and suite, and that the mirror is reachable',
      });
    }
    const date = new Date().toISOString();
    const changes = ['CMD ["bash"]', ...baseLabels(base, date, archives).map((l) => `LABEL ${l.replace('=', '="')}"`)];
    const imp = await docker(['import', ...changes.flatMap((c) => ['--change', c]), tar, base.image]);
    if (imp.failed)
      throw new KfcError(`docker import failed: ${imp.stderr.trim()}`, { hint: 'check the engine (kfc doctor)' });
    const seconds = (performance.now() - t0) / 1000;
    log(
      `kfc base: ${base.image} created in ${seconds.toFixed(1)} s (${(statSync(tar).size / 1e6).toFixed(0)} MB rootfs)`,
    );
    return { image: base.image, created: true, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The root bases `nodes` are built FROM (each once, in catalog order). */
export function basesOf(catalog: Catalog, nodes: ImageNode[]): BaseSpec[] {
  const keys = new Set(nodes.map((n) => n.baseKey));
  return [...keys].flatMap((k) => catalog.spec.bases[k] ?? []);
}

/** `kfc base`: every root base of the catalog, created unless present (or `force`). */
export async function ensureBases(catalog: Catalog, opts: { force?: boolean } = {}): Promise<BaseResult[]> {
  const results: BaseResult[] = [];
  for (const base of basesOf(catalog, catalog.order)) results.push(await ensureBase(base, opts));
  return results;
}
