import { type BakeFile, type BakeOptions, renderBake, targetName } from '../bake/bake.ts';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { KfcError } from '../errors.ts';
import { resolveRepo } from '../tags/refs.ts';
import { registryCache } from '../tags/tags.ts';
import type { DockerArgs } from './docker-args.ts';

/**
 * The bake file `kfc build` runs: `kfc bake`'s targets for the images asked for and their ancestors
 * (every one tagged REPO/IMAGE:TAG), with the build's outputs, caches and options. Contexts and labels
 * are set by the build, once it has staged them. Pure.
 */
export interface BakePlanOptions {
  repo?: string;
  tag: string;
  /** More tags of every image (kfc bake --build --tag …). */
  extraTags?: string[];
  buildArgs?: Record<string, string>;
  /** Per image: the Debian archive state's arg and labels (apt-targets.ts). */
  perImage?: BakeOptions['perImage'];
  caBundle?: string;
  cacheFrom?: string[];
  cacheTo?: string[];
  /** Registry cache at REPO/<image>:buildcache: read the chain's, or also write the image's. */
  registryCache?: 'read' | 'write';
  /** base key → a pushed copy of that root base, for builders that cannot see the engine's images. */
  baseRefs?: Record<string, string>;
  /** Where the images go: into the engine (load), to the registry (push), or both. */
  load: boolean;
  push: boolean;
  /** The builder is the engine's own BuildKit (buildx's `docker` driver). */
  dockerDriver: boolean;
  /** The builder cannot export a cache (the `docker` driver of an engine without the containerd store). */
  noCacheExport?: boolean;
  dockerArgs: DockerArgs;
}

/** A `--cache-to` that exports (not the inline cache, kept in the image itself). */
function exportsCache(spec: string): boolean {
  return !/(^|,)type=inline(,|$)/.test(spec);
}

/** The outputs of every target: the engine's store, the registry, or both. */
function outputs(opts: BakePlanOptions): string[] {
  // The docker driver's image exporter writes into the engine's store and pushes from there.
  if (opts.dockerDriver) return [opts.push ? 'type=image,push=true' : 'type=docker'];
  return [...(opts.load ? ['type=docker'] : []), ...(opts.push ? ['type=registry'] : [])];
}

export function bakePlan(
  catalog: Catalog,
  images: string[],
  opts: BakePlanOptions,
): { file: BakeFile; nodes: ImageNode[] } {
  const repo = resolveRepo(catalog.spec.registry, opts);
  if (opts.registryCache && !repo)
    throw new KfcError('--registry-cache needs a registry', {
      hint: 'pass --repo, or set registry.repo in images.yaml',
    });
  if (!opts.load && !opts.push)
    throw new KfcError('the images would go nowhere', { hint: 'load them into the engine, push them, or both' });
  const d = opts.dockerArgs;
  const { file } = renderBake(catalog, {
    repo,
    extraTags: [opts.tag, ...(opts.extraTags ?? [])],
    registryCache: false,
    caBundle: opts.caBundle,
    images,
    buildArgs: { ...(opts.buildArgs ?? {}), ...d.buildArgs },
    ...(opts.perImage ? { perImage: opts.perImage } : {}),
    baseRefs: opts.baseRefs,
    loadInternal: true,
  });
  const nodes = catalog.order.filter((n) => file.target[targetName(n.name)]);
  for (const node of nodes) {
    const t = file.target[targetName(node.name)]!;
    const chain = registryCache(
      repo,
      node.chain.map((n) => n.name),
    );
    // Each target imports its own cache only: its ancestors are targets of this run and import theirs.
    // A step the targets share is solved once; measured on BuildKit 0.34, a child that also imported
    // its ancestors' caches missed its own steps after a shared COPY (3 runs of 3), and hit with its own.
    const reads = chain.cacheFrom.slice(0, 1);
    t['cache-from'] = [...(opts.cacheFrom ?? []), ...d.cacheFrom, ...(opts.registryCache ? reads : [])];
    t['cache-to'] = [...(opts.cacheTo ?? []), ...d.cacheTo, ...(opts.registryCache === 'write' ? chain.cacheTo : [])];
    t.output = outputs(opts);
    if (d.secrets.length) t.secret = [...(t.secret ?? []), ...d.secrets];
    if (d.pull) t.pull = true;
    if (d.platforms.length) t.platforms = d.platforms;
    if (d.shmSize) t['shm-size'] = d.shmSize;
    if (d.ulimits.length) t.ulimits = d.ulimits;
    if (d.noCacheFilter.length) t['no-cache-filter'] = d.noCacheFilter;
  }
  const exported = nodes.flatMap((n) => file.target[targetName(n.name)]!['cache-to']).filter(exportsCache);
  if (opts.noCacheExport && exported.length)
    throw new KfcError(`the local engine's builder cannot export a build cache (${exported[0]})`, {
      hint:
        'read the cache only (--registry-cache read), or build on a docker-container, remote or kubernetes ' +
        'builder (--builder)',
    });
  return { file, nodes };
}
