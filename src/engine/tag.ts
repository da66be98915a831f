/** `kfc tag`: the SHA, branch, release, dev and content tags of a built image. */

import type { Catalog, ImageNode } from '../catalog/model.ts';
import type { TagPlan } from '../tags/tags.ts';
import { requireEngine } from './docker.ts';
import { resolveRefs } from './refs.ts';
import { applyTags, contentFacts } from './registry.ts';

export interface TagOptions {
  repo?: string;
  /** The tag it was built with (default: the branch); kept as a tag too. */
  tag?: string;
  /** Tag this existing image under the catalog name (SOURCE_FULL_IMAGE_NAME). */
  source?: string;
  /** latest + v1 (default: on main/master in CI). */
  release?: boolean;
  dev?: boolean;
  /** Content tags (python-x.y.z, lab-x.y, …, date): reads the versions by running the image. */
  content: boolean;
}

/** Tags the image; returns what was tagged, under which repository, and the references made. */
export async function tagImage(
  catalog: Catalog,
  node: ImageNode,
  opts: TagOptions,
): Promise<{ source: string; target: string; refs: string[] }> {
  await requireEngine();
  const r = await resolveRefs(catalog, opts);
  const target = r.repositoryOf(node);
  const source = opts.source || r.refOf(node);
  const onMain = ['main', 'master'].includes(r.git.branch ?? '') && process.env.CI === 'true';
  const plan: TagPlan = {
    sha: r.git.sha,
    branch: r.git.branch,
    release: opts.release ?? onMain,
    dev: opts.dev,
    extra: opts.tag ? [opts.tag] : [],
  };
  if (opts.content) {
    plan.content = await contentFacts(source);
    plan.date = new Date();
  }
  return { source, target, refs: await applyTags(source, target, plan) };
}
