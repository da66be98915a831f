/**
 * Kubeflow Notebooks 2.0 (kubeflow.org/v1beta1): one WorkspaceKind per kind of app (images.yaml kubeflow.kinds)
 * in `v2/<kind>.yaml`, and an example Workspace (with its home PVC) per kind in `v2/workspaces/<kind>.yaml`.
 *
 * What the controller does with a kind (kubeflow/notebooks workspaces/controller at v2.0.0-beta.0):
 * - it serves each port under `/workspace/connect/<ns>/<ws>/<portId>/` (workspace_controller.go:76, :804-806) and
 *   renders `{{ httpPathPrefix "<portId>" }}` in extraEnv values to that path (:1008-1046): NB_PREFIX keeps the
 *   v1 contract, so the images serve under it unchanged (removePathPrefix: false);
 * - it copies the probes as they are (:1057-1070), unrendered: the prefix differs per Workspace, so a probe
 *   cannot name it as an httpGet path; ours run curl in the container on `${NB_PREFIX}<health path>`, the
 *   image's own health endpoint (images.<name>.test.ready, what kfc test waits for too);
 * - the Jupyter activity probe GETs `<prefix>api/status` on the pod without a token and reads `last_activity`
 *   (internal/helper/probe.go:236-255); a podExec probe runs a script that writes JSON to $OUTPUT_JSON_PATH
 *   (workspacekind_types.go:413-435).
 * Every published tag (kubeflow.tags) of every published image of the kind is an imageConfig value `<image>:<tag>`;
 * each superseded tag (kubeflow.redirects) stays a hidden value that redirects to its successor.
 */

import type { KubeflowKind } from '../catalog/kubeflow-schema.ts';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { KfcError } from '../errors.ts';
import { imageRef } from '../tags/tags.ts';
import { kindOf, kubeflowSection, podConfigById, portOf } from './kubeflow-catalog.ts';
import { V2_DIR, workspaceKindPath } from './kubeflow-paths.ts';

const V2_WORKSPACE_DIR = `${V2_DIR}/workspaces`;
/** The home of every image (the v1 Notebooks mount their PVC there too). */
const HOME = '/home/jovyan';
const PART_OF = { 'app.kubernetes.io/part-of': 'kubeflow-containers' };

export interface V2Options {
  repo: string;
  namespace: string;
  storage: string;
  storageClassName?: string;
  imagePullPolicy: 'IfNotPresent' | 'Always' | 'Never';
}

/** The Go template the controller renders to the port's path prefix (workspacekind_types.go:269-276). */
function httpPathPrefixTemplate(portId: string): string {
  return `{{ httpPathPrefix "${portId}" }}`;
}

/** images.<name>.test.ready as a path that stays under NB_PREFIX: one line naming the image and field if not. */
function healthPath(catalog: Catalog, node: ImageNode): string {
  const p = node.spec.test.ready;
  const segs = p.split('/').slice(1);
  if (
    !/^\/[A-Za-z0-9._~/-]*$/.test(p) ||
    segs.some((s, i) => s === '..' || s === '.' || (s === '' && i < segs.length - 1))
  )
    throw new KfcError(`image "${node.name}": health path ${JSON.stringify(p)} is outside its prefix`, {
      where: `${catalog.file}: images.${node.name}.test.ready`,
      hint: 'give a path under NB_PREFIX such as /api/status (no "..", "//", query or scheme)',
    });
  return p;
}

/** `sh -c` that GETs the health path under the rendered NB_PREFIX inside the container. */
function curlProbe(port: number, path: string) {
  const url = `http://127.0.0.1:${port}\${NB_PREFIX%/}${path}`;
  return { exec: { command: ['/bin/sh', '-c', `exec curl -fsS -o /dev/null --max-time 3 "${url}"`] } };
}

/**
 * The `connections` activity method: active while a browser holds a TCP connection to the port (noVNC keeps
 * its websocket open as long as the desktop is shown); read from /proc/net (no tool needed but awk).
 */
export function connectionsScript(port: number): string {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return [
    '#!/bin/sh',
    `# Active while a client holds an ESTABLISHED (01) connection to local port ${port} (0x${hex}).`,
    'set -eu',
    `if awk 'FNR > 1 && $4 == "01" && $2 ~ /:${hex}$/ { found = 1 } END { exit !found }' \\`,
    '    /proc/net/tcp /proc/net/tcp6 2>/dev/null; then',
    '  echo \'{"has_activity": true}\' > "$OUTPUT_JSON_PATH"',
    'else',
    '  echo \'{"has_activity": false}\' > "$OUTPUT_JSON_PATH"',
    'fi',
    '',
  ].join('\n');
}

function activityProbe(kind: KubeflowKind, port: number) {
  const timing = { minProbeIntervalSeconds: 300, probeIntervalSeconds: 3600 };
  if (kind.activity === 'jupyter') return { ...timing, jupyter: { lastActivity: true, portId: kind.port.id } };
  return { ...timing, podExec: { timeoutSeconds: 30, script: connectionsScript(port) } };
}

interface KindImages {
  name: string;
  kind: KubeflowKind;
  nodes: ImageNode[];
}

/** The published images of each kind, in catalog order; every published image lands in exactly one kind. */
function kindsWithImages(catalog: Catalog): KindImages[] {
  const out = new Map<string, KindImages>();
  for (const [name, kind] of Object.entries(kubeflowSection(catalog).kinds)) out.set(name, { name, kind, nodes: [] });
  for (const node of catalog.order.filter((n) => n.spec.publish)) out.get(kindOf(catalog, node).name)!.nodes.push(node);
  return [...out.values()];
}

/** Port and health path shared by every image of the kind (the kind's probes are one for all of them). */
function kindServing(catalog: Catalog, k: KindImages): { port: number; health: string } {
  const first = k.nodes[0]!;
  const port = portOf(catalog, first);
  const health = healthPath(catalog, first);
  for (const n of k.nodes.slice(1)) {
    const p = portOf(catalog, n);
    const h = healthPath(catalog, n);
    if (p !== port || h !== health)
      throw new KfcError(
        `images "${first.name}" and "${n.name}" of kind ${k.name} differ in port or health path ` +
          `(${port} ${health} vs ${p} ${h})`,
        {
          where: `${catalog.file}: images.${n.name}`,
          hint: 'give them the same port and test.ready, or separate kinds',
        },
      );
  }
  return { port, health };
}

function imageValues(catalog: Catalog, k: KindImages, port: number, opts: V2Options) {
  const kf = kubeflowSection(catalog);
  const values: Record<string, unknown>[] = [];
  for (const node of k.nodes) {
    const spec = (tag: string) => ({
      image: imageRef(opts.repo, node.name, tag),
      imagePullPolicy: opts.imagePullPolicy,
      ports: [{ id: k.kind.port.id, port }],
    });
    const labels = [{ key: 'image', value: node.name }, ...(node.spec.gpu ? [{ key: 'gpu', value: 'nvidia' }] : [])];
    const description =
      node.spec.description.length > 1024 ? `${node.spec.description.slice(0, 1021)}...` : node.spec.description;
    for (const tag of kf.tags) {
      values.push({
        id: `${node.name}:${tag}`,
        spawner: { displayName: `${node.name}:${tag}`, description, labels: [...labels, { key: 'tag', value: tag }] },
        spec: spec(tag),
      });
    }
    for (const r of kf.redirects.filter((x) => x.image === node.name)) {
      values.push({
        id: `${node.name}:${r.from}`,
        spawner: {
          displayName: `${node.name}:${r.from}`,
          description,
          labels: [...labels, { key: 'tag', value: r.from }],
          hidden: true,
        },
        redirect: { to: `${node.name}:${r.to}`, message: { level: r.level, text: r.message } },
        spec: spec(r.from),
      });
    }
  }
  return values;
}

function checkRedirects(catalog: Catalog): void {
  const kf = kubeflowSection(catalog);
  kf.redirects.forEach((r, i) => {
    const node = catalog.nodes.get(r.image);
    if (!node?.spec.publish)
      throw new KfcError(`kubeflow.redirects[${i}].image: "${r.image}" is not a published image`, {
        where: catalog.file,
        hint: 'name a published image of images:',
      });
    if (kf.tags.includes(r.from))
      throw new KfcError(`kubeflow.redirects[${i}].from: "${r.from}" is still an offered tag (kubeflow.tags)`, {
        where: catalog.file,
        hint: 'a superseded tag is no longer in kubeflow.tags',
      });
  });
}

function podValues(catalog: Catalog, k: KindImages) {
  return k.kind.podConfigs.map((id, i) => {
    const { spec } = podConfigById(catalog, id, `kubeflow.kinds.${k.name}.podConfigs[${i}]`);
    const labels = [
      ...Object.entries(spec.requests).map(([key, v]) => ({ key: `request-${key}`.slice(0, 64), value: String(v) })),
      ...Object.entries(spec.limits).map(([key, v]) => ({ key: `limit-${key}`.slice(0, 64), value: String(v) })),
    ];
    return {
      id,
      spawner: { displayName: spec.displayName, description: spec.description, labels },
      spec: { resources: { requests: spec.requests, limits: spec.limits } },
    };
  });
}

function renderKind(catalog: Catalog, k: KindImages, opts: V2Options) {
  const { port, health } = kindServing(catalog, k);
  const probe = curlProbe(port, health);
  const images = imageValues(catalog, k, port, opts);
  const firstShown = images.find((v) => !(v.spawner as { hidden?: boolean }).hidden);
  const kind = k.kind;
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'WorkspaceKind',
    metadata: { name: k.name, labels: PART_OF },
    spec: {
      spawner: {
        displayName: kind.displayName,
        description: kind.description,
        hidden: false,
        deprecated: false,
        icon: kind.icon,
        logo: kind.logo,
      },
      ...(kind.pauseAfterSeconds
        ? {
            activityRules: [
              { config: { secondsSinceActive: kind.pauseAfterSeconds }, effect: { pauseWorkspace: true } },
            ],
          }
        : {}),
      podTemplate: {
        podMetadata: { labels: PART_OF },
        ...(kind.clusterRoles.length
          ? { serviceAccount: { clusterRoles: kind.clusterRoles.map((name) => ({ name })) } }
          : {}),
        activityProbe: activityProbe(kind, port),
        probes: {
          startupProbe: { ...probe, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 60 },
          readinessProbe: { ...probe, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
          livenessProbe: { ...probe, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 5 },
        },
        volumeMounts: { home: HOME },
        ports: [
          {
            id: kind.port.id,
            defaultDisplayName: kind.port.displayName,
            protocol: 'HTTP',
            httpProxy: { removePathPrefix: false },
          },
        ],
        extraEnv: [{ name: 'NB_PREFIX', value: httpPathPrefixTemplate(kind.port.id) }],
        extraVolumeMounts: [{ name: 'dshm', mountPath: '/dev/shm' }],
        extraVolumes: [{ name: 'dshm', emptyDir: { medium: 'Memory' } }],
        securityContext: { runAsUser: 1000, runAsGroup: 100, fsGroup: 100 },
        // The images need no privilege after start (no sudo by default): the restricted Pod Security profile.
        containerSecurityContext: {
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          runAsNonRoot: true,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        options: {
          imageConfig: { spawner: { default: firstShown?.id ?? '' }, values: images },
          podConfig: { spawner: { default: kind.podConfigs[0] }, values: podValues(catalog, k) },
        },
      },
    },
  };
}

function renderWorkspace(k: KindImages, wk: ReturnType<typeof renderKind>, opts: V2Options) {
  const name = `${k.name}-example`;
  const claim = `${name}-home`;
  const pvc = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claim, namespace: opts.namespace },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(opts.storageClassName ? { storageClassName: opts.storageClassName } : {}),
      resources: { requests: { storage: opts.storage } },
    },
  };
  const workspace = {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Workspace',
    metadata: { name, namespace: opts.namespace, labels: PART_OF },
    spec: {
      paused: false,
      kind: k.name,
      podTemplate: {
        volumes: { home: claim },
        options: {
          imageConfig: wk.spec.podTemplate.options.imageConfig.spawner.default,
          podConfig: wk.spec.podTemplate.options.podConfig.spawner.default,
        },
      },
    },
  };
  return { pvc, workspace };
}

export interface V2Doc {
  path: string;
  /** The documents of the file, in order. */
  docs: unknown[];
  comment: string;
}

/** Pure: the WorkspaceKind and example Workspace files (kinds without a published image are still written). */
export function renderWorkspaceKinds(catalog: Catalog, opts: V2Options): V2Doc[] {
  checkRedirects(catalog);
  const out: V2Doc[] = [];
  for (const k of kindsWithImages(catalog)) {
    if (k.nodes.length === 0)
      throw new KfcError(`kubeflow.kinds.${k.name} offers no published image (groups ${k.kind.groups.join(', ')})`, {
        where: catalog.file,
        hint: 'remove the kind or publish an image of one of its groups',
      });
    const wk = renderKind(catalog, k, opts);
    const path = workspaceKindPath(k.name);
    out.push({
      path,
      docs: [wk],
      comment: `# Kubeflow Notebooks 2.0 WorkspaceKind (cluster-scoped): kubectl apply -f ${path}\n`,
    });
    const { pvc, workspace } = renderWorkspace(k, wk, opts);
    out.push({
      path: `${V2_WORKSPACE_DIR}/${k.name}.yaml`,
      docs: [pvc, workspace],
      comment:
        `# Example: kubectl apply -f ${V2_WORKSPACE_DIR}/${k.name}.yaml ` +
        "(edit the namespace to your profile's; needs the WorkspaceKind)\n",
    });
  }
  return out;
}
