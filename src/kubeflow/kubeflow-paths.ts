/**
 * Where `kfc kubeflow` writes, in one small module: the v2 contract suite (tests/images/kubeflow-v2) reads the
 * generated WorkspaceKinds through it without importing the generators (which would make every generator change
 * an image source for `kfc affected`).
 */
export const DEFAULT_OUT = 'deploy/kubeflow';
/** Notebooks 2.0: `v2/<kind>.yaml` (WorkspaceKinds) and `v2/workspaces/<kind>.yaml` (examples). */
export const V2_DIR = 'v2';

/** Path of a kind's WorkspaceKind inside the output folder. */
export function workspaceKindPath(kind: string): string {
  return `${V2_DIR}/${kind}.yaml`;
}
