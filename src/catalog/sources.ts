import type { Catalog, ImageNode } from './model.ts';
import type { Requirement } from './schema.ts';

/** What this machine has, as gathered by the engine layer (env, artifact cache, probes). */
export interface SourceState {
  /** Debian mirror answers (undefined: not probed, assumed yes). */
  debian?: boolean;
  npm?: boolean;
  /** The Python index (KFC_PYTHON_INDEX_URL, PIP_INDEX_URL, else PyPI; credentials hidden), and whether it answers. */
  pypi?: { url: string | undefined; reachable: boolean | undefined };
  /** Images' wheelhouses in the artifact cache (kfc fetch): verified wheels of their locks' pins. */
  wheelhouses?: Map<string, { have: number; need: number; complete: boolean }>;
  /** Vendor artifacts present in the cache with the right sha256, by name. */
  artifacts?: Map<string, 'ok' | 'missing' | 'bad-checksum'>;
  /**
   * Licensed media, by requirement name: true (env var set and the path exists), false (not
   * given), or { given } when not usable: the env var's value (undefined: not set), a path that
   * does not exist.
   */
  licenses?: Map<string, boolean | { given: string | undefined }>;
  /** Outside downloads reachable, by URL. */
  downloads?: Map<string, boolean>;
}

export function describeRequirement(r: Requirement): string {
  if (typeof r === 'string') return r;
  if ('vendor' in r) return `vendor:${r.vendor.name}${r.vendor.optional ? ' (optional)' : ''}`;
  if ('download' in r) return `download:${r.download.name}`;
  return `license:${r.license.name}`;
}

export interface Buildability {
  ok: boolean;
  /** Why not: one entry per missing required source, each saying what to do. */
  missing: string[];
  /** Optional parts that will be left out, with why. */
  skipped: string[];
}

/** Whether a node can be built with the sources present; pure. */
export function buildability(_catalog: Catalog, node: ImageNode, state: SourceState = {}): Buildability {
  const missing: string[] = [];
  const skipped: string[] = [];
  for (const r of node.requires) {
    if (r === 'debian') {
      if (state.debian === false)
        missing.push(
          `the Debian mirror ${node.base?.mirror ?? ''} does not answer ` +
            `(set the mirror in images.yaml bases or the DEBIAN_MIRROR build arg)`,
        );
    } else if (r === 'npm') {
      if (state.npm === false)
        missing.push(
          'the npm registry does not answer (set npm_config_registry, and --ca-bundle behind a TLS-inspecting proxy)',
        );
    } else if (r === 'pypi') {
      // "the Python index, or a complete wheelhouse": either lets the build install its locks.
      const p = state.pypi;
      const wh = state.wheelhouses?.get(node.name);
      if (wh?.complete) continue;
      if (p && !p.url)
        missing.push(
          'needs a Python package index: none is configured ' +
            '(set KFC_PYTHON_INDEX_URL or PIP_INDEX_URL to a reachable index, e.g. your Artifactory/devpi mirror)',
        );
      else if (p && p.reachable === false) {
        const have = wh
          ? `its wheelhouse in the artifact cache has ${wh.have} of ${wh.need} wheels`
          : 'it has no wheelhouse';
        missing.push(
          `the Python index ${p.url} does not answer from this host and ${have} ` +
            `(set KFC_PYTHON_INDEX_URL to a reachable index, ` +
            `or run kfc fetch ${node.name} where one is reachable ` +
            `and copy the artifact cache here: KFC_ARTIFACT_CACHE)`,
        );
      }
    } else if ('vendor' in r) {
      const st = state.artifacts?.get(r.vendor.name);
      if (st && st !== 'ok') {
        const fetch =
          `run kfc fetch ${node.name} where ${r.vendor.url} is reachable, ` +
          `or copy a fetched artifact cache here (KFC_ARTIFACT_CACHE)`;
        const why =
          st === 'missing'
            ? `vendor artifact "${r.vendor.name}" is not in the artifact cache (${fetch})`
            : `vendor artifact "${r.vendor.name}" in the cache has the wrong sha256, ` +
              `expected ${r.vendor.sha256} (delete it and ${fetch})`;
        (r.vendor.optional ? skipped : missing).push(why);
      }
    } else if ('download' in r) {
      if (state.downloads?.get(r.download.url) === false)
        missing.push(`${r.download.name}: ${r.download.url} is not reachable (${r.download.reason})`);
    } else if ('license' in r) {
      const st = state.licenses?.get(r.license.name);
      const use = `kfc build binds it for one RUN as licensed/${r.license.name}/, never a layer`;
      if (st === false || (typeof st === 'object' && !st.given))
        missing.push(
          `licensed media "${r.license.name}" not given: ${r.license.env} is not set ` +
            `(set ${r.license.env} to the folder holding the media; ${use})`,
        );
      else if (typeof st === 'object')
        missing.push(
          `licensed media "${r.license.name}" not found: ${r.license.env}=${st.given} does not exist ` +
            `(set ${r.license.env} to the folder holding the media; ${use})`,
        );
    }
  }
  return { ok: missing.length === 0, missing, skipped };
}
