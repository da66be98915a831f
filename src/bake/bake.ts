/**
 * `kfc bake`: the catalog as a `docker buildx bake` file (JSON), so the family builds on any
 * BuildKit builder — local, remote, or the Kubernetes driver — with a registry cache.
 *
 * One target per catalog node (internal stages too, so they can be built and cached on their own),
 * a `default` group of the published images, and per target: context `output/<image>`, its
 * Dockerfile, the catalog's build args, OCI labels, full tag references, and registry cache
 * import/export.
 *
 * Why the targets are NOT linked child → parent through `contexts: {parent: "target:<parent>"}`:
 * kfc's Dockerfiles are flat. A child's Dockerfile is its parent's Dockerfile byte for byte plus
 * its own bits, all from the root base (docs/conventions.md). Nothing in it refers to a stage or
 * image called "parent", so such a named context would be dead weight: bake would build the
 * parent first and the child would ignore the result. The sharing it aims at is there anyway:
 * BuildKit merges identical steps of the targets of one bake run (the parent prefix runs once),
 * and across runs or machines the child imports its ancestors' registry caches (`cache-from`
 * lists the image's own cache and every ancestor's), so it reuses every parent layer — the same
 * layers, byte for byte, that the parent image has. Rewriting children as `FROM parent` would make
 * bake's output differ from what `kfc build` builds and tests (ARG scope resets at FROM, for one).
 *
 * Where `contexts` IS useful here: root bases. `kfc base` makes them locally (mmdebstrap →
 * `docker import`), so a remote or container builder cannot see e.g. `kfc/debian:trixie`.
 * `--base-ref trixie=REGISTRY/debian:trixie` maps the FROM reference of every target built on that
 * base to a pushed copy: `contexts: {"kfc/debian:trixie": "docker-image://REGISTRY/debian:trixie"}`.
 * Named contexts need BuildKit's `contexts` frontend capability, which the Docker 20.10 engine's
 * BuildKit (v0.8, buildx's `docker` driver) lacks: it fails with "unsupported frontend capability
 * moby.buildkit.frontend.contexts". Locally no mapping is needed: the engine sees `kfc base`'s image.
 *
 * `kfc build` (and `kfc bake --build`) runs these targets itself (src/engine/build.ts, bake-plan.ts): it
 * adds each image's staged context (vendor artifacts, the wheelhouse), labels, outputs and caches. The
 * Python index URL reaches builds as secret `pip-index-url` read from $KFC_PYTHON_INDEX_URL (unset:
 * PyPI), so the file carries no URL or credential.
 */
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { KfcError } from '../errors.ts';
import { resolveRepo } from '../tags/refs.ts';
import { computeTags, defaultTag, imageRef, registryCache, type TagPlan } from '../tags/tags.ts';

export const BAKE_FILE = 'docker-bake.json';
/** The environment variable bake reads secret `pip-index-url` from (buildx `env=` secret source). */
export const INDEX_SECRET_ENV = 'KFC_PYTHON_INDEX_URL';

export interface BakeOptions {
  /** Registry repository prefix; default catalog registry.repo (registry.devRepo with dev). */
  repo?: string;
  /** Git facts and tag choices (see src/tags). */
  sha?: string;
  branch?: string;
  /** latest + v1 (main). */
  release?: boolean;
  /** `dev` tag in the dev registry (PR labelled auto-deploy). */
  dev?: boolean;
  /** More tags, e.g. a date. */
  extraTags?: string[];
  /** Source repository URL for org.opencontainers.image.source. */
  source?: string;
  /** Registry cache import/export (default on when a repo is known). */
  registryCache?: boolean;
  /** base key → registry reference of a pushed copy of that root base. */
  baseRefs?: Record<string, string>;
  /** BuildKit secret for the TLS-inspecting proxy's CA bundle (bits mount id=ca). */
  caBundle?: string;
  /** Limit to these images (and the ancestors they need for their cache). */
  images?: string[];
  /** Build args over the catalog's (as kfc build --build-arg), e.g. DEBIAN_MIRROR. */
  buildArgs?: Record<string, string>;
  /**
   * Image name → args (under `buildArgs`) and labels of that image alone: the Debian archive state of
   * kfc build (KFC_APT_ARCHIVES, org.kfc.apt.*; src/engine/apt-targets.ts).
   */
  perImage?: ReadonlyMap<string, { args: Record<string, string>; labels: Record<string, string> }>;
  /**
   * A build by kfc (kfc build, kfc bake --build): internal stages get tags and are loaded into the engine
   * like published images, instead of `type=cacheonly`, so every level of the tree can be inspected.
   */
  loadInternal?: boolean;
}

interface BakeTarget {
  context: string;
  dockerfile: string;
  tags: string[];
  labels: Record<string, string>;
  args: Record<string, string>;
  'cache-from': string[];
  'cache-to': string[];
  contexts?: Record<string, string>;
  secret?: string[];
  output?: string[];
  pull?: boolean;
  platforms?: string[];
  'shm-size'?: string;
  ulimits?: string[];
  'no-cache-filter'?: string[];
}

export interface BakeFile {
  group: Record<string, { targets: string[] }>;
  target: Record<string, BakeTarget>;
}

export interface BakeResult {
  file: BakeFile;
  /** Things a maintainer must know (vendor artifacts bake cannot stage, …). */
  notes: string[];
}

/** Bake target names allow [A-Za-z0-9_-]; image names may also hold '.'. */
export function targetName(image: string): string {
  return image.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Pure: the same catalog and options give the same JSON. */
export function renderBake(catalog: Catalog, opts: BakeOptions = {}): BakeResult {
  const repo = resolveRepo(catalog.spec.registry, opts);
  if (opts.dev && !repo) {
    throw new KfcError('--dev needs a dev registry', {
      where: `${catalog.file} registry.devRepo`,
      hint: 'set registry.devRepo or pass --repo',
    });
  }
  for (const key of Object.keys(opts.baseRefs ?? {})) {
    if (!catalog.order.some((n) => n.baseKey === key)) {
      throw new KfcError(`--base-ref ${key}=…: no image is built on "${key}"`, {
        where: catalog.file,
        hint: `bases in use: ${[...new Set(catalog.order.map((n) => n.baseKey))].join(', ')}`,
      });
    }
  }
  let nodes = catalog.order;
  if (opts.images?.length) {
    for (const n of opts.images) {
      if (!catalog.nodes.has(n))
        throw new KfcError(`unknown image "${n}"`, {
          where: catalog.file,
          hint: `known images: ${[...catalog.nodes.keys()].join(', ')}`,
        });
    }
    const wanted = new Set(opts.images.flatMap((n) => catalog.nodes.get(n)!.chain.map((c) => c.name)));
    nodes = nodes.filter((n) => wanted.has(n.name));
  }
  const useCache = (opts.registryCache ?? true) && Boolean(repo);
  const plan: TagPlan = {
    sha: opts.sha,
    branch: opts.branch,
    release: opts.release,
    dev: opts.dev,
    extra: opts.extraTags,
  };
  const tags = computeTags(plan);
  const notes: string[] = [];
  const target: Record<string, BakeTarget> = {};

  for (const node of nodes) {
    const cache = registryCache(
      repo,
      node.chain.map((n) => n.name),
    );
    const tagged = node.spec.publish || opts.loadInternal;
    const own = opts.perImage?.get(node.name);
    const t: BakeTarget = {
      context: `output/${node.name}`,
      dockerfile: 'Dockerfile',
      tags: tagged ? (tags.length ? tags : [defaultTag(undefined)]).map((tag) => imageRef(repo, node.name, tag)) : [],
      labels: sortKeys({ ...labels(node, opts), ...own?.labels }),
      args: sortKeys({ ...node.args, ...own?.args, ...(opts.buildArgs ?? {}) }),
      'cache-from': useCache ? cache.cacheFrom : [],
      'cache-to': useCache ? cache.cacheTo : [],
    };
    const baseRef = opts.baseRefs?.[node.baseKey];
    if (baseRef) t.contexts = { [node.baseImage]: `docker-image://${baseRef}` };
    const secrets = [
      ...(opts.caBundle ? [`id=ca,src=${opts.caBundle}`] : []),
      // As kfc build: only images that install from the Python index get the index secret.
      ...(node.requires.includes('pypi') ? [`id=pip-index-url,env=${INDEX_SECRET_ENV}`] : []),
    ];
    if (secrets.length) t.secret = secrets;
    // Internal stages are built for their cache only: nothing to tag or push.
    if (!tagged) t.output = ['type=cacheonly'];
    target[targetName(node.name)] = t;
    const vendors = node.requires.flatMap((r) => (typeof r === 'object' && 'vendor' in r ? [r.vendor] : []));
    if (vendors.length) {
      notes.push(
        `${node.name}: vendor artifacts (${vendors.map((v) => v.name).join(', ')}) are staged by kfc build ` +
          `and kfc bake --build only; this file builds from output/${node.name} without them`,
      );
    }
  }
  const published = nodes.filter((n) => n.spec.publish).map((n) => targetName(n.name));
  const group: Record<string, { targets: string[] }> = { default: { targets: published } };
  const internal = nodes.filter((n) => !n.spec.publish).map((n) => targetName(n.name));
  if (internal.length) group.internal = { targets: internal };
  if (!useCache)
    notes.push(
      repo
        ? 'registry cache disabled'
        : 'no registry repo (catalog registry.repo or --repo): tags are local names and no registry cache is used',
    );
  return { file: { group, target }, notes };
}

function labels(node: ImageNode, opts: BakeOptions): Record<string, string> {
  // Deterministic on purpose (no created date): the file is committed and golden-tested.
  const l: Record<string, string> = {
    'org.opencontainers.image.title': node.name,
    'org.opencontainers.image.description': node.spec.description,
    'org.opencontainers.image.base.name': node.baseImage,
    'org.kfc.parent': node.parent?.name ?? '',
  };
  if (opts.sha) l['org.opencontainers.image.revision'] = opts.sha;
  if (opts.branch) l['org.opencontainers.image.version'] = opts.branch;
  if (opts.source) l['org.opencontainers.image.source'] = opts.source;
  return sortKeys(l);
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function bakeJson(file: BakeFile): string {
  return JSON.stringify(file, null, 2) + '\n';
}
