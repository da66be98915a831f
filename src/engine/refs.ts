import type { Catalog } from '../catalog/model.ts';
import { type RefRequest, type Refs, refsFor } from '../tags/refs.ts';
import { type GitInfo, gitInfo } from './git.ts';

export interface ResolvedRefs extends Refs {
  git: GitInfo;
}

/**
 * The references kfc builds and looks for (`tags/refs.ts`: --repo, else the catalog's; --tag, else the
 * branch): the one place the git lookup behind the default tag is made.
 */
export async function resolveRefs(catalog: Catalog, opts: Omit<RefRequest, 'dev'>): Promise<ResolvedRefs> {
  const git = await gitInfo(catalog.root);
  return { git, ...refsFor(catalog.spec.registry, { repo: opts.repo, tag: opts.tag }, git.branch) };
}
