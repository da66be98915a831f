/**
 * images.yaml `kubeflow:`: what `kfc kubeflow` offers a cluster besides the images themselves. The pod sizes
 * (`podConfigs`, read by the v1 Notebooks and the v2 WorkspaceKinds alike), the Notebooks 2.0 kinds of app
 * (`kinds`, one WorkspaceKind each) and the superseded tags (`redirects`, hidden imageConfig values that
 * redirect to their successor). Field limits follow Kubeflow's v1beta1 types (tools/workspace-crds/api).
 */
import { z } from 'zod';
import { isValidTag, STABLE_TAG } from '../tags/tags.ts';

const tag = z.string().refine(isValidTag, { message: 'not a valid image tag (letters, digits, _ . -)' });

const ID = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/;
const quantity = z.union([z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/), z.number().int().min(0)]);
const resourceMap = z.record(z.string().min(1), quantity);

const PodConfigSchema = z
  .object({
    displayName: z.string().min(2).max(128),
    description: z.string().min(2).max(1024),
    requests: resourceMap.default({}),
    limits: resourceMap.default({}),
  })
  .strict();

/** WorkspaceKindAsset (workspacekind_types.go:190-200): exactly one of url or configMap. */
const AssetSchema = z
  .object({
    url: z.string().min(1).optional(),
    configMap: z
      .object({
        name: z.string().min(1).max(253),
        namespace: z.string().min(1).max(63),
        key: z.string().min(1).max(253),
        mediaType: z.literal('image/svg+xml'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((a) => Boolean(a.url) !== Boolean(a.configMap), { message: "give exactly one of 'url' or 'configMap'" });

const KindSchema = z
  .object({
    /** The images' spawner groups this kind offers (images.<name>.spawner.group). */
    groups: z.array(z.enum(['jupyter', 'vscode', 'rstudio', 'desktop', 'sas'])).nonempty(),
    displayName: z.string().min(2).max(128),
    description: z.string().min(2).max(4096),
    icon: AssetSchema,
    logo: AssetSchema,
    /** The port of the kind: its id is the last segment of /workspace/connect/<ns>/<ws>/<id>/. */
    port: z.object({ id: z.string().regex(ID).max(32), displayName: z.string().min(2).max(64) }).strict(),
    /**
     * How the controller sees activity: `jupyter` (GET <prefix>api/status, last_activity) or `connections`
     * (a podExec script: active while a browser holds a connection to the port).
     */
    activity: z.enum(['jupyter', 'connections']),
    /** Pod sizes offered (ids of kubeflow.podConfigs), the first the default. */
    podConfigs: z.array(z.string().min(1)).nonempty(),
    /**
     * ClusterRoles bound (in the Workspace's namespace) to the ServiceAccount the controller makes per Workspace;
     * kubeflow-edit gives what v1's default-editor had (the toolbelt's kubectl works in the profile).
     */
    clusterRoles: z.array(z.string().min(1).max(253)).default([]),
    /** Seconds without activity before the Workspace is paused (Kubeflow's minimum: 16). */
    pauseAfterSeconds: z.number().int().min(16).optional(),
  })
  .strict();

const RedirectSchema = z
  .object({
    image: z.string().min(1),
    /** The superseded tag: stays an imageConfig value (hidden), never removed. */
    from: tag,
    to: tag,
    level: z.enum(['Info', 'Warning', 'Danger']).default('Info'),
    message: z.string().min(2).max(1024),
  })
  .strict();

export const KubeflowCatalogSchema = z
  .object({
    podConfigs: z.record(
      z.string().regex(ID, { message: 'podConfig id: lowercase letters, digits, _ -' }),
      PodConfigSchema,
    ),
    kinds: z.record(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/), KindSchema).default({}),
    /** Tags offered as imageConfig values, the first the default (the stable tag). */
    tags: z.array(tag).nonempty().default([STABLE_TAG]),
    redirects: z.array(RedirectSchema).default([]),
  })
  .strict();

export type KubeflowCatalog = z.infer<typeof KubeflowCatalogSchema>;
export type KubeflowKind = z.infer<typeof KindSchema>;
export type PodConfigSpec = z.infer<typeof PodConfigSchema>;
