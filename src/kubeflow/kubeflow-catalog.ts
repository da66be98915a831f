/**
 * The Kubeflow facts of an image, read from the catalog: its port and pod size (nearest ancestor's when it
 * names none), and its WorkspaceKind. Pure; one clear line naming the image and field when one is missing.
 */

import type { KubeflowCatalog, KubeflowKind, PodConfigSpec } from '../catalog/kubeflow-schema.ts';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { KfcError } from '../errors.ts';

/** The catalog's `kubeflow:` section; an error when `kfc kubeflow` needs it and it is absent. */
export function kubeflowSection(catalog: Catalog): KubeflowCatalog {
  const k = catalog.spec.kubeflow;
  if (!k)
    throw new KfcError('no kubeflow: section (pod sizes, kinds) in the catalog', {
      where: catalog.file,
      hint: 'add kubeflow.podConfigs and kubeflow.kinds (docs/kubeflow.md)',
    });
  return k;
}

function inherited<K extends 'port' | 'podConfig'>(node: ImageNode, key: K): ImageNode['spec'][K] {
  for (let i = node.chain.length - 1; i >= 0; i--) {
    const v = node.chain[i]!.spec[key];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** The port the image serves on (images.<name>.port, or the nearest ancestor's). */
export function portOf(catalog: Catalog, node: ImageNode): number {
  const port = inherited(node, 'port');
  if (port === undefined)
    throw new KfcError(`image "${node.name}" has no port (images.${node.name}.port)`, {
      where: catalog.file,
      hint: `set port: on ${node.name} or an ancestor (the port it serves on under NB_PREFIX, e.g. 8888)`,
    });
  return port;
}

export function podConfigById(catalog: Catalog, id: string, field: string): { id: string; spec: PodConfigSpec } {
  const k = kubeflowSection(catalog);
  const spec = k.podConfigs[id];
  if (!spec)
    throw new KfcError(`${field}: "${id}" is not a pod size of kubeflow.podConfigs`, {
      where: catalog.file,
      hint: `use one of: ${Object.keys(k.podConfigs).join(', ') || '(none defined)'}`,
    });
  return { id, spec };
}

/** The image's pod size (images.<name>.podConfig, or the nearest ancestor's). */
export function podConfigOf(catalog: Catalog, node: ImageNode): { id: string; spec: PodConfigSpec } {
  const id = inherited(node, 'podConfig');
  if (id === undefined)
    throw new KfcError(`image "${node.name}" has no pod size (images.${node.name}.podConfig)`, {
      where: catalog.file,
      hint: `set podConfig: on ${node.name} or an ancestor, one of kubeflow.podConfigs`,
    });
  return podConfigById(catalog, id, `images.${node.name}.podConfig`);
}

/** The WorkspaceKind that offers the image: the kind listing its spawner group. */
export function kindOf(catalog: Catalog, node: ImageNode): { name: string; kind: KubeflowKind } {
  // No group: the Jupyter-style list, as for the v1 spawner config (kubeflow.ts spawnerField).
  const group = node.spec.spawner?.group ?? 'jupyter';
  const kinds = Object.entries(kubeflowSection(catalog).kinds);
  const found = group ? kinds.find(([, k]) => (k.groups as string[]).includes(group)) : undefined;
  if (!found)
    throw new KfcError(
      `image "${node.name}" (images.${node.name}.spawner.group ${group}) is in no kubeflow.kinds entry`,
      { where: catalog.file, hint: 'add its spawner group to the groups: of a kind, or set publish: false' },
    );
  return { name: found[0], kind: found[1] };
}
