import type { Catalog, ImageNode } from '../catalog/model.ts';
import { defaultTag, imageRef, imageRepository } from '../tags/tags.ts';
import { type GitInfo, gitInfo } from './git.ts';

export interface ResolvedRefs {
  git: GitInfo;
  tag: string;
  /** repo/image of a node (no tag). */
  repositoryOf: (node: ImageNode) => string;
  /** repo/image:tag of a node, as kfc builds it. */
  refOf: (node: ImageNode) => string;
}

/** The references kfc builds and looks for: --repo (else the catalog's), --tag (else the branch). */
export async function resolveRefs(catalog: Catalog, opts: { repo?: string; tag?: string }): Promise<ResolvedRefs> {
  const git = await gitInfo(catalog.root);
  const repo = opts.repo ?? catalog.spec.registry.repo;
  const tag = defaultTag(git.branch, opts.tag);
  return {
    git,
    tag,
    repositoryOf: (node) => imageRepository(repo, node.name),
    refOf: (node) => imageRef(repo, node.name, tag),
  };
}
