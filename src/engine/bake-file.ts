/**
 * `kfc bake`: the bake definition to publish with, from the catalog (`bake/bake.ts`) and the facts only
 * the machine knows: the git commit, branch and remote behind --git-tags and the source label, and the
 * Debian archive state of the images whose Dockerfile declares it.
 */
import { type BakeOptions, type BakeResult, renderBake } from '../bake/bake.ts';
import type { Catalog } from '../catalog/model.ts';
import { aptTargets } from './apt-targets.ts';
import { gitInfo } from './git.ts';

export interface BakeFileOptions
  extends Pick<
    BakeOptions,
    'repo' | 'release' | 'dev' | 'extraTags' | 'registryCache' | 'baseRefs' | 'caBundle' | 'buildArgs'
  > {
  /** Tag with the commit and branch (and label the source) from git. */
  gitTags: boolean;
  /** Read Debian's InRelease files now (default: the state recorded). */
  refresh?: boolean;
  log: (line: string) => void;
}

/** The definition of `images` (known names; none: every image) and the ancestors whose cache they use. */
export async function bakeFile(catalog: Catalog, images: string[], opts: BakeFileOptions): Promise<BakeResult> {
  const git = opts.gitTags ? await gitInfo(catalog.root) : undefined;
  const { gitTags: _gitTags, refresh, log, ...rest } = opts;
  const perImage = await aptTargets(
    catalog,
    images.length ? catalog.order.filter((n) => images.includes(n.name)) : catalog.order,
    {
      refresh,
      buildArgs: opts.buildArgs,
      verb: 'kfc bake',
      log,
    },
  );
  return renderBake(catalog, {
    ...rest,
    sha: git?.sha,
    branch: git?.branch,
    source: git?.remote?.replace(/^git@([^:]+):/, 'https://$1/').replace(/\.git$/, ''),
    images,
    perImage,
  });
}
