/**
 * `kfc fetch`: the vendor artifacts and the locked Python wheels of images into the artifact cache,
 * hash-checked, so builds need no network for them.
 */

import type { Catalog, ImageNode } from '../catalog/model.ts';
import { fetchWheels, imagePins, type WheelFetchResult, wheelCacheDir } from '../python/wheelhouse.ts';
import { type FetchResult, fetchArtifacts } from './artifacts.ts';

export interface FetchAllResult {
  cache: string;
  results: FetchResult[];
  errors: string[];
  wheels: WheelFetchResult[];
  /** A required artifact could not be fetched. */
  requiredFailed: boolean;
}

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

/** Each image's locked wheels (their ancestors' locks included) into <cache>/wheels/. */
async function fetchImageWheels(
  catalog: Catalog,
  nodes: ImageNode[],
  cache: string,
  line?: (s: string) => void,
): Promise<WheelFetchResult[]> {
  const out: WheelFetchResult[] = [];
  const log = (s: string) => process.stderr.write(s + '\n');
  for (const node of nodes.filter((n) => imagePins(catalog, n).length > 0)) {
    const t0 = Date.now();
    const r = await fetchWheels(catalog, node, cache, { caBundle: process.env.KFC_CA_BUNDLE, log });
    out.push(r);
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    line?.(
      `wheels     ${node.name}: ${r.wheels} wheels, ${mb(r.bytes)} ` +
        `(${r.downloaded} downloaded, ${mb(r.downloadedBytes)}; ${r.present} present) ` +
        `in ${wheelCacheDir(cache)} (${seconds} s)`,
    );
  }
  return out;
}

/** Fetches everything `nodes` declare; `line` gets one line per artifact and per image's wheels. */
export async function fetchAll(
  catalog: Catalog,
  nodes: ImageNode[],
  opts: { line?: (s: string) => void } = {},
): Promise<FetchAllResult> {
  const r = await fetchArtifacts(catalog, nodes, {
    onFetched: (f) => opts.line?.(`${f.status.padEnd(10)} ${f.name} ${f.path} (${f.bytes} bytes)`),
  });
  const wheels = await fetchImageWheels(catalog, nodes, r.cache, opts.line);
  return { ...r, wheels };
}
