/**
 * `kfc kubeflow`: what a Kubeflow cluster needs to offer the family.
 *
 * - `spawner_ui_config.yaml`: the image fields of the Jupyter web app's `spawnerFormDefaults`
 *   (merge them into the cluster's config): `image` lists the Jupyter-style images (catalog
 *   spawner group jupyter, desktop, sas, or none), `imageGroupOne` the VS Code group, and
 *   `imageGroupTwo` the RStudio group, each `{value, options}`, plus `allowCustomImage`,
 *   `hideRegistry`, `hideTag`, `imagePullPolicy`, and the GPU vendor list when a GPU image exists.
 * - `v2/<kind>.yaml` and `v2/workspaces/<kind>.yaml`: Kubeflow Notebooks 2.0 WorkspaceKinds and example
 *   Workspaces (workspacekinds.ts).
 * - `notebooks/<image>.yaml`: an example workspace PersistentVolumeClaim and `kubeflow.org/v1`
 *   Notebook per published image: the PVC on /home/jovyan (the images seed the empty home at start),
 *   fsGroup 100, runAsUser 1000 / runAsGroup 100, requests and limits by kind, `nvidia.com/gpu: 1`
 *   for `gpu: true` images, a memory-backed /dev/shm (PyTorch data loaders need more than 64 MB).
 *
 * The Jupyter web app annotates Notebooks of group one and two with
 * `notebooks.kubeflow.org/http-rewrite-uri: /` (and group two with an `X-RStudio-Root-Path`
 * header): the mesh then strips `/notebook/<ns>/<name>` before the request reaches the container.
 * The example manifests carry the same annotations, so they behave as the spawner would; an image
 * placed in those groups must therefore answer at `/`, not under `$NB_PREFIX`. Images that serve
 * under `$NB_PREFIX` (the Kubeflow notebook contract) belong in the Jupyter-style list.
 */
import { stringify } from 'yaml';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { KfcError } from '../errors.ts';
import { resolveRepo } from '../tags/refs.ts';
import { imageRef, requireValidTag, STABLE_TAG } from '../tags/tags.ts';
import { podConfigOf } from './kubeflow-catalog.ts';
import { NOTEBOOK_DIR } from './kubeflow-paths.ts';
import { renderWorkspaceKinds } from './workspacekinds.ts';

export const SPAWNER_FILE = 'spawner_ui_config.yaml';

type SpawnerField = 'image' | 'imageGroupOne' | 'imageGroupTwo';

export interface KubeflowOptions {
  /** Registry repository prefix; default the catalog's registry.repo. */
  repo?: string;
  /** Tag offered in the spawner and used by the example Notebooks (default v1, the stable tag). */
  tag?: string;
  /** Namespace of the example Notebooks (a Kubeflow profile namespace). */
  namespace?: string;
  /** Workspace volume size. */
  storage?: string;
  storageClassName?: string;
  hideRegistry?: boolean;
  hideTag?: boolean;
  allowCustomImage?: boolean;
  imagePullPolicy?: 'IfNotPresent' | 'Always' | 'Never';
}

export interface KubeflowFile {
  /** Path inside the output folder. */
  path: string;
  content: string;
}

export interface KubeflowResult {
  files: KubeflowFile[];
  notes: string[];
}

const SERVER_TYPE: Record<SpawnerField, string> = {
  image: 'jupyter',
  imageGroupOne: 'group-one',
  imageGroupTwo: 'group-two',
};

function spawnerField(node: ImageNode): SpawnerField {
  switch (node.spec.spawner?.group) {
    case 'vscode':
      return 'imageGroupOne';
    case 'rstudio':
      return 'imageGroupTwo';
    default:
      return 'image';
  }
}

/** A Kubernetes object name (DNS-1123 label) from an image name. */
export function k8sName(image: string): string {
  const n = image
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 53)
    .replace(/-+$/, '');
  return n || 'notebook';
}

function refs(catalog: Catalog, opts: KubeflowOptions): { repo: string; tag: string } {
  const repo = resolveRepo(catalog.spec.registry, opts);
  const tag = opts.tag ?? STABLE_TAG;
  requireValidTag(tag);
  return { repo, tag };
}

function renderSpawnerConfig(catalog: Catalog, opts: KubeflowOptions = {}) {
  const { repo, tag } = refs(catalog, opts);
  const published = catalog.order.filter((n) => n.spec.publish);
  const field = (f: SpawnerField) => {
    const options = published.filter((n) => spawnerField(n) === f).map((n) => imageRef(repo, n.name, tag));
    return { value: options[0] ?? '', options };
  };
  const defaults: Record<string, unknown> = {
    image: field('image'),
    imageGroupOne: field('imageGroupOne'),
    imageGroupTwo: field('imageGroupTwo'),
    allowCustomImage: opts.allowCustomImage ?? true,
    imagePullPolicy: { value: opts.imagePullPolicy ?? 'IfNotPresent', readOnly: false },
    hideRegistry: opts.hideRegistry ?? true,
    hideTag: opts.hideTag ?? false,
  };
  if (published.some((n) => n.spec.gpu)) {
    defaults.gpus = {
      value: { num: 'none', vendor: '', vendors: [{ limitsKey: 'nvidia.com/gpu', uiName: 'NVIDIA' }] },
      readOnly: false,
    };
  }
  return { spawnerFormDefaults: defaults };
}

/** Requests and limits of the image's pod size (images.yaml kubeflow.podConfigs, by its `podConfig`). */
function resourcesFor(catalog: Catalog, node: ImageNode) {
  const { requests, limits } = podConfigOf(catalog, node).spec;
  return { requests, limits };
}

function renderNotebook(catalog: Catalog, node: ImageNode, opts: KubeflowOptions = {}) {
  const { repo, tag } = refs(catalog, opts);
  const namespace = opts.namespace ?? 'kubeflow-user-example-com';
  const name = k8sName(node.name);
  const claim = `${name}-workspace`;
  const field = spawnerField(node);
  const annotations: Record<string, string> = { 'notebooks.kubeflow.org/server-type': SERVER_TYPE[field] };
  if (field !== 'image') annotations['notebooks.kubeflow.org/http-rewrite-uri'] = '/';
  if (field === 'imageGroupTwo') {
    annotations['notebooks.kubeflow.org/http-headers-request-set'] = JSON.stringify({
      'X-RStudio-Root-Path': `/notebook/${namespace}/${name}/`,
    });
  }
  const pvc = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claim, namespace },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(opts.storageClassName ? { storageClassName: opts.storageClassName } : {}),
      resources: { requests: { storage: opts.storage ?? '10Gi' } },
    },
  };
  const notebook = {
    apiVersion: 'kubeflow.org/v1',
    kind: 'Notebook',
    metadata: {
      name,
      namespace,
      labels: { app: name, 'app.kubernetes.io/part-of': 'kubeflow-containers' },
      annotations,
    },
    spec: {
      template: {
        spec: {
          serviceAccountName: 'default-editor',
          securityContext: { runAsUser: 1000, runAsGroup: 100, fsGroup: 100 },
          containers: [
            {
              name,
              image: imageRef(repo, node.name, tag),
              imagePullPolicy: opts.imagePullPolicy ?? 'IfNotPresent',
              resources: resourcesFor(catalog, node),
              volumeMounts: [
                { name: 'workspace', mountPath: '/home/jovyan' },
                { name: 'dshm', mountPath: '/dev/shm' },
              ],
            },
          ],
          volumes: [
            { name: 'workspace', persistentVolumeClaim: { claimName: claim } },
            { name: 'dshm', emptyDir: { medium: 'Memory' } },
          ],
        },
      },
    },
  };
  return { pvc, notebook };
}

const HEADER = '# Generated by kfc from images.yaml: run `kfc kubeflow` to refresh. Do not edit.\n';

function yamlDoc(value: unknown): string {
  return stringify(value, { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false });
}

/** Pure: every file of the output folder, sorted by path. */
export function renderKubeflow(catalog: Catalog, opts: KubeflowOptions = {}): KubeflowResult {
  const published = catalog.order.filter((n) => n.spec.publish);
  if (published.length === 0)
    throw new KfcError('no published image in the catalog', {
      where: catalog.file,
      hint: 'set publish: true on at least one image',
    });
  const notes: string[] = [];
  const { repo } = refs(catalog, opts);
  if (!repo) notes.push('no registry repo (catalog registry.repo or --repo): image references are bare names');
  const files: KubeflowFile[] = [
    {
      path: SPAWNER_FILE,
      content:
        HEADER +
        "# The image fields of the Jupyter web app's spawner_ui_config.yaml: merge spawnerFormDefaults\n" +
        '# into the config of your cluster (the rest of it — cpu, memory, volumes — stays yours).\n' +
        yamlDoc(renderSpawnerConfig(catalog, opts)),
    },
  ];
  const names = new Map<string, string>();
  for (const node of published) {
    const { pvc, notebook } = renderNotebook(catalog, node, opts);
    const clash = names.get(notebook.metadata.name);
    if (clash)
      throw new KfcError(
        `images "${clash}" and "${node.name}" give the same Kubernetes name "${notebook.metadata.name}"`,
        { where: catalog.file, hint: 'rename one of them' },
      );
    names.set(notebook.metadata.name, node.name);
    files.push({
      path: `${NOTEBOOK_DIR}/${node.name}.yaml`,
      content:
        `${HEADER}# Example: kubectl apply -f ${NOTEBOOK_DIR}/${node.name}.yaml ` +
        "(edit the namespace to your profile's)\n" +
        `${yamlDoc(pvc)}---\n${yamlDoc(notebook)}`,
    });
    if (spawnerField(node) !== 'image') {
      notes.push(
        `${node.name}: in spawner ${spawnerField(node)} Kubeflow rewrites the URI to / (http-rewrite-uri), ` +
          'so the image must answer at /, not under NB_PREFIX',
      );
    }
  }
  for (const f of renderWorkspaceKinds(catalog, {
    repo,
    namespace: opts.namespace ?? 'kubeflow-user-example-com',
    storage: opts.storage ?? '10Gi',
    storageClassName: opts.storageClassName,
    imagePullPolicy: opts.imagePullPolicy ?? 'IfNotPresent',
  })) {
    files.push({ path: f.path, content: HEADER + f.comment + f.docs.map(yamlDoc).join('---\n') });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, notes };
}
