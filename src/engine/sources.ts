import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import type { Vendor } from '../catalog/schema.ts';
import type { SourceState } from '../catalog/sources.ts';
import { effectiveIndex, probeIndex, redactUrl } from '../python/index-url.ts';
import { wheelhouseSummary } from '../python/wheelhouse.ts';

export function artifactCacheDir(catalog: Catalog): string {
  return process.env.KFC_ARTIFACT_CACHE ?? join(catalog.root, '.kfc', 'artifacts');
}

/** Where a vendor artifact lives in the cache: <cache>/<name>/<file name of the URL>. */
export function artifactPath(cacheDir: string, name: string, url: string): string {
  const file = decodeURIComponent(new URL(url).pathname.split('/').pop() || name);
  return join(cacheDir, name, file);
}

/** A vendor artifact in the cache: kfc fetch writes <file>.sha256 once it has verified the download. */
export function artifactState(cache: string, v: Vendor): 'ok' | 'missing' | 'bad-checksum' {
  const p = artifactPath(cache, v.name, v.url);
  if (!existsSync(p)) return 'missing';
  const side = `${p}.sha256`;
  return existsSync(side) && readFileSync(side, 'utf8').trim() === v.sha256 && statSync(p).size > 0
    ? 'ok'
    : 'bad-checksum';
}

async function reachable(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    return res.status < 500 && res.status !== 404;
  } catch {
    return false;
  }
}

/** Looks at this machine: env vars, the artifact cache, and (with network) quick HTTP probes. */
export async function gatherSourceState(
  catalog: Catalog,
  nodes: ImageNode[],
  opts: { network: boolean; timeoutMs?: number },
): Promise<SourceState> {
  const timeoutMs = opts.timeoutMs ?? 4000;
  const reqs = nodes.flatMap((n) => n.requires);
  const state: SourceState = { artifacts: new Map(), licenses: new Map(), downloads: new Map() };
  const probes: Promise<void>[] = [];
  const cache = artifactCacheDir(catalog);
  for (const r of reqs) {
    if (r === 'pypi') {
      if (state.pypi) continue;
      const index = effectiveIndex();
      state.pypi = { url: redactUrl(index), reachable: undefined };
      if (opts.network) {
        probes.push(
          probeIndex(index, timeoutMs).then((ok) => {
            state.pypi = { url: redactUrl(index), reachable: ok };
          }),
        );
      }
      probes.push(
        wheelhouseSummary(catalog, nodes, cache).then((w) => {
          state.wheelhouses = w;
        }),
      );
    } else if (r === 'debian' && opts.network && state.debian === undefined) {
      const mirror = nodes.find((n) => n.base)?.base?.mirror;
      state.debian = true;
      if (mirror)
        probes.push(
          reachable(
            `${mirror.replace(/\/$/, '')}/dists/${nodes.find((n) => n.base)!.base!.suite}/Release`,
            timeoutMs,
          ).then((ok) => {
            state.debian = ok;
          }),
        );
    } else if (r === 'npm' && opts.network && state.npm === undefined) {
      state.npm = true;
      probes.push(
        reachable(process.env.npm_config_registry ?? 'https://registry.npmjs.org/', timeoutMs).then((ok) => {
          state.npm = ok;
        }),
      );
    } else if (typeof r === 'object' && 'vendor' in r) {
      state.artifacts!.set(r.vendor.name, artifactState(cache, r.vendor));
    } else if (typeof r === 'object' && 'license' in r) {
      const v = process.env[r.license.env];
      state.licenses!.set(r.license.name, v && existsSync(v) ? true : { given: v || undefined });
    } else if (typeof r === 'object' && 'download' in r && opts.network && !state.downloads!.has(r.download.url)) {
      // Probed only with the network; offline, an outside download is unknown, not missing.
      state.downloads!.set(r.download.url, false);
      probes.push(reachable(r.download.url, timeoutMs).then((ok) => void state.downloads!.set(r.download.url, ok)));
    }
  }
  await Promise.all(probes);
  return state;
}
