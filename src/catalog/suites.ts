import type { ImageNode } from './model.ts';

/** Folder of the image suites, under the repository root. */
export const IMAGE_TESTS_DIR = 'tests/images';

/** The Kubeflow Notebooks 2.0 contract suite: every published image runs it (it gets a WorkspaceKind). */
const KUBEFLOW_V2_SUITE = 'kubeflow-v2';

/**
 * The suite folders an image runs, in order: general/ (unless the image opts out), each ancestor's folder
 * root first, the image's own, kubeflow-v2/ for a published image, then any extra suites it names. Pure: `kfc test`
 * runs them and `kfc affected` marks an image when one of them changes.
 */
export function suiteDirs(node: ImageNode): string[] {
  const dirs: string[] = [];
  if (node.spec.test.general) dirs.push('general');
  for (const n of node.chain) dirs.push(n.name);
  if (node.spec.publish) dirs.push(KUBEFLOW_V2_SUITE);
  for (const s of node.spec.test.suites) dirs.push(s);
  return [...new Set(dirs)];
}
