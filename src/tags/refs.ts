/**
 * The one resolver of `--repo`/`--tag`: every verb that builds, tags, pushes, measures, tests or pulls
 * kfc's images names them through it. Pure: the git branch behind the default tag is a fact the engine
 * reads (`engine/refs.ts`, the one git lookup) and passes in.
 */
import { defaultTag, imageRef, imageRepository, normaliseRepo } from './tags.ts';

/** The catalog's `registry:` block (images.yaml). */
export interface RegistryDefaults {
  repo: string;
  devRepo?: string;
}

export interface RefRequest {
  /** --repo (default: the catalog's registry.repo; registry.devRepo with `dev`). */
  repo?: string;
  /** --tag (default: the sanitised git branch, else "dev-local"). */
  tag?: string;
  dev?: boolean;
}

export interface Refs {
  /** The registry/namespace prefix: empty, or ending in exactly one '/'. */
  repo: string;
  tag: string;
  /** repo/image of an image (no tag). */
  repositoryOf: (node: { name: string }) => string;
  /** repo/image:tag of an image, as kfc builds it. */
  refOf: (node: { name: string }) => string;
}

/** --repo, else the catalog's registry.repo (registry.devRepo for dev builds), normalised. */
export function resolveRepo(registry: RegistryDefaults, req: Pick<RefRequest, 'repo' | 'dev'>): string {
  return normaliseRepo(req.repo ?? (req.dev ? registry.devRepo : registry.repo));
}

/** The references kfc builds and looks for, given the branch the engine read from git. */
export function refsFor(registry: RegistryDefaults, req: RefRequest, branch: string | undefined): Refs {
  const repo = resolveRepo(registry, req);
  const tag = defaultTag(branch, req.tag);
  return {
    repo,
    tag,
    repositoryOf: (node) => imageRepository(repo, node.name),
    refOf: (node) => imageRef(repo, node.name, tag),
  };
}
