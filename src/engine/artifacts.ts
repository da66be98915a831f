import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestingStream } from '../cache/digest.ts';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import type { Vendor } from '../catalog/schema.ts';
import { KfcError } from '../errors.ts';
import { EMPTY_ARTIFACTS_MANIFEST } from '../generate/generate.ts';
import { cachedWheelhouse, stageWheelhouse } from '../python/wheelhouse.ts';
import { artifactCacheDir, artifactPath, artifactState } from './sources.ts';

function vendorsOf(node: ImageNode): Vendor[] {
  return node.requires.flatMap((r) => (typeof r === 'object' && 'vendor' in r ? [r.vendor] : []));
}

function verified(cache: string, v: Vendor): string | undefined {
  return artifactState(cache, v) === 'ok' ? artifactPath(cache, v.name, v.url) : undefined;
}

export interface PreparedContext {
  contextDir: string;
  included: string[];
  /** Wheels staged into wheelhouse/ (0: the build installs from the Python index). */
  wheels?: number;
  cleanup: () => Promise<void>;
}

function licensesOf(node: ImageNode): { name: string; env: string }[] {
  return node.requires.flatMap((r) => (typeof r === 'object' && 'license' in r ? [r.license] : []));
}

/**
 * The build context of a node. Nodes that declare vendor artifacts or licensed media get a
 * temporary copy of output/<image>/ plus `artifacts/<name>/<file>` for each verified artifact in
 * the cache and `licensed/<name>/` for each licensed media folder, which bits read through
 * `RUN --mount=type=bind,source=…` (no layer holds them). Others build straight from output/<image>/.
 */
export async function prepareArtifacts(catalog: Catalog, node: ImageNode, outputDir: string): Promise<PreparedContext> {
  const vendors = vendorsOf(node);
  const licenses = licensesOf(node);
  const cache = artifactCacheDir(catalog);
  const wheelhouse = await cachedWheelhouse(catalog, node, cache);
  if (vendors.length === 0 && licenses.length === 0 && !wheelhouse.complete)
    return { contextDir: outputDir, included: [], cleanup: async () => {} };
  const dir = join(catalog.root, '.kfc', 'contexts', `${node.name}-${randomBytes(3).toString('hex')}`);
  copyTree(outputDir, dir);
  const included: string[] = [];
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  for (const v of vendors) {
    const p = verified(cache, v);
    if (!p) continue;
    const dest = join(dir, 'artifacts', v.name, p.split('/').pop()!);
    mkdirSync(dirname(dest), { recursive: true });
    linkOrCopy(p, dest);
    included.push(v.name);
  }
  // Stable content so the layer cache does not change between identical builds. The copied
  // manifest is a hard link to output/: unlink it rather than write through to the original.
  rmSync(join(dir, 'artifacts', 'INCLUDED'), { force: true });
  writeFileSync(
    join(dir, 'artifacts', 'INCLUDED'),
    included.length ? included.join('\n') + '\n' : EMPTY_ARTIFACTS_MANIFEST,
  );
  for (const l of licenses) {
    const media = process.env[l.env];
    if (media && existsSync(media) && statSync(media).isDirectory()) copyTree(media, join(dir, 'licensed', l.name));
  }
  const wheels = stageWheelhouse(dir, wheelhouse, linkOrCopy);
  return { contextDir: dir, included, wheels, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

function copyTree(src: string, dest: string): void {
  mkdirSync(dest, { recursive: true });
  for (const e of readdirSync(src, { withFileTypes: true })) {
    const s = join(src, e.name);
    const d = join(dest, e.name);
    if (e.isDirectory()) copyTree(s, d);
    else linkOrCopy(s, d);
  }
}

function linkOrCopy(src: string, dest: string): void {
  try {
    linkSync(src, dest);
  } catch {
    copyFileSync(src, dest);
  }
}

export interface FetchResult {
  name: string;
  path: string;
  status: 'present' | 'downloaded';
  bytes: number;
}

/**
 * Downloads a vendor artifact into the cache, verifying sha256 (and size when declared).
 * The download goes to a temporary file renamed into place only when verified: a failure
 * (HTTP error, truncation, wrong checksum) leaves nothing behind.
 */
export async function fetchArtifact(cache: string, v: Vendor, opts: { timeoutMs?: number } = {}): Promise<FetchResult> {
  const dest = artifactPath(cache, v.name, v.url);
  const present = verified(cache, v);
  if (present) return { name: v.name, path: dest, status: 'present', bytes: statSync(dest).size };
  mkdirSync(dirname(dest), { recursive: true });
  const part = `${dest}.part-${randomBytes(3).toString('hex')}`;
  try {
    let res: Response;
    try {
      res = await fetch(v.url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 30 * 60_000), redirect: 'follow' });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new KfcError(
        `cannot download vendor artifact "${v.name}" from ${v.url}: ` +
          `${cause?.code ?? cause?.message ?? (err as Error).message}`,
        {
          hint:
            'this machine cannot reach the URL; fetch it where it can ' +
            'and copy the artifact cache (KFC_ARTIFACT_CACHE) here',
        },
      );
    }
    if (!res.ok || !res.body)
      throw new KfcError(`cannot download vendor artifact "${v.name}": HTTP ${res.status} from ${v.url}`, {
        hint: 'check the URL in images.yaml',
      });
    const counter = digestingStream();
    try {
      await pipeline(Readable.fromWeb(res.body as never), counter.stream, createWriteStream(part));
    } catch (err) {
      throw new KfcError(
        `download of "${v.name}" from ${v.url} broke off after ${counter.bytes()} bytes (${(err as Error).message})`,
        { hint: 'run kfc fetch again' },
      );
    }
    const bytes = counter.bytes();
    const expectedLen = Number(res.headers.get('content-length') ?? NaN);
    if (!Number.isNaN(expectedLen) && bytes !== expectedLen)
      throw new KfcError(`download of "${v.name}" is truncated: ${bytes} of ${expectedLen} bytes`, {
        hint: 'run kfc fetch again',
      });
    if (v.size !== undefined && bytes !== v.size)
      throw new KfcError(`vendor artifact "${v.name}" has ${bytes} bytes, images.yaml says ${v.size}`, {
        where: 'images.yaml requires.vendor.size',
        hint: 'check the URL and the declared size',
      });
    const digest = counter.hex();
    if (digest !== v.sha256)
      throw new KfcError(`vendor artifact "${v.name}" has sha256 ${digest}, images.yaml says ${v.sha256}`, {
        where: 'images.yaml requires.vendor.sha256',
        hint: 'the download is not the pinned file; check the URL or update the pin after review',
      });
    renameSync(part, dest);
    writeFileSync(`${dest}.sha256`, digest + '\n');
    return { name: v.name, path: dest, status: 'downloaded', bytes };
  } finally {
    rmSync(part, { force: true });
  }
}

/**
 * `kfc fetch`: every vendor artifact the images declare, each once, into the artifact cache.
 * A required artifact that fails is an error line and `requiredFailed`; an optional one a notice.
 */
export async function fetchArtifacts(
  catalog: Catalog,
  nodes: ImageNode[],
  opts: { onFetched?: (r: FetchResult) => unknown; log?: (line: string) => void } = {},
): Promise<{ cache: string; results: FetchResult[]; errors: string[]; requiredFailed: boolean }> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cache = artifactCacheDir(catalog);
  const vendors = [...new Map(nodes.flatMap(vendorsOf).map((v) => [v.name, v])).values()];
  const results: FetchResult[] = [];
  const errors: string[] = [];
  for (const v of vendors) {
    try {
      const r = await fetchArtifact(cache, v);
      results.push(r);
      opts.onFetched?.(r);
    } catch (e) {
      if (!(e instanceof KfcError)) throw e;
      errors.push(e.line());
      log(v.optional ? `kfc: notice: optional artifact ${v.name} not fetched: ${e.message}` : e.line());
    }
  }
  const requiredFailed = vendors.some((v) => !v.optional && !results.some((r) => r.name === v.name));
  return { cache, results, errors, requiredFailed };
}
