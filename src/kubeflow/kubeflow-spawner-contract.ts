/**
 * The keys Kubeflow's Jupyter web app (JWA) reads from `spawner_ui_config.yaml`, as a strict zod contract:
 * a key JWA does not read is an error (it would be ignored silently on the cluster), and so is a value
 * of the wrong shape (JWA's backend indexes `defaults[key]["value"]`, its frontend binds the types below).
 *
 * Sources (read, not copied; Kubeflow v1.9/v1.10 JWA, components/crud-web-apps/jupyter):
 * - kubeflow/notebooks components/crud-web-apps/jupyter/backend/apps/common/yaml/spawner_ui_config.yaml
 *   @8b291fdde9cc85ab031f6e76bf0a3978563a39d5 — the shipped defaults: every key and its nesting
 *   (image/imageGroupOne/imageGroupTwo {value, options}, cpu/memory limitFactor, workspaceVolume
 *   {mount, newPvc}, gpus.value {vendor, vendors, num}, …).
 * - kubeflow/kubeflow components/crud-web-apps/jupyter/frontend/src/app/types/config.ts
 *   @40a5b73d6bc16bb44937be1b990a2f272f972bcd — the `Config` interface the form reads (the key list),
 *   with types/gpu.ts @b9f455d2…, types/volume/interfaces.ts and types/toleration.ts @2f8dbeea…,
 *   types/affinity.ts @a88ed133….
 * - kubeflow/kubeflow components/crud-web-apps/jupyter/backend/apps/common/form.py
 *   @0c0c76300d8df28f0b7cac95099c286e4dab3288 — get_form_value() reads `value` and `readOnly`;
 *   set_notebook_cpu/memory read `limitFactor`; tolerations read options[].groupKey/tolerations,
 *   affinity options[].configKey/affinity; gpus.value needs `num` (and `vendor` unless num is "none").
 *
 * Nested Kubernetes objects (newPvc, existingSource, tolerations, affinity) are checked with
 * kubernetes-models, the Kubernetes OpenAPI schemas, not by hand.
 */

import { Affinity } from 'kubernetes-models/v1/Affinity';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Toleration } from 'kubernetes-models/v1/Toleration';
import { Volume } from 'kubernetes-models/v1/Volume';
import { z } from 'zod';
import { jsonPath, type KubeflowFinding, pointerSegments } from './kubeflow-findings.ts';

interface Validatable {
  validate(): void;
}

/** A zod check that runs a kubernetes-models validator and reports each Ajv error at its own path. */
function k8s(make: (v: never) => Validatable, what: string) {
  return z.unknown().superRefine((v, ctx) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a Kubernetes ${what} object` });
      return;
    }
    try {
      make(v as never).validate();
    } catch (err) {
      const errors = (err as { errors?: { instancePath: string; message?: string }[] }).errors ?? [];
      for (const e of errors)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: pointerSegments(e.instancePath),
          message: `${e.message ?? 'invalid'} (Kubernetes ${what})`,
        });
      if (!errors.length) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a valid Kubernetes ${what}` });
    }
  });
}

const readOnly = z.boolean().optional();
const pullPolicy = z.enum(['Always', 'IfNotPresent', 'Never']);
/** form.py: float(cpu) * float(limitFactor), or "none" to set no limit. */
const limitFactor = z.string().regex(/^(none|\d+(\.\d+)?)$/, 'must be a number as a string, or "none"');

/** image / imageGroupOne / imageGroupTwo: the default and the dropdown (JWA offers `value` preselected). */
const ImageGroup = z
  .object({ value: z.string(), options: z.array(z.string().min(1)), readOnly })
  .strict()
  .refine((g) => (g.value === '' ? true : g.options.includes(g.value)), {
    message: 'value is not one of the options',
    path: ['value'],
  });

const Resource = z.object({ value: z.string().min(1), limitFactor, readOnly }).strict();

/** types/volume/interfaces.ts Volume: a mount path and either a PVC to create or an existing volume source. */
const JwaVolume = z
  .object({
    mount: z.string().startsWith('/', 'must be an absolute path'),
    newPvc: k8s((v) => new PersistentVolumeClaim(v), 'PersistentVolumeClaim').optional(),
    existingSource: k8s((v) => new Volume({ name: 'existing', ...(v as object) }), 'volume source').optional(),
  })
  .strict()
  .refine((v) => (v.newPvc === undefined) !== (v.existingSource === undefined), {
    message: 'needs exactly one of newPvc and existingSource',
  });

const GpuVendor = z.object({ limitsKey: z.string().min(1), uiName: z.string().min(1) }).strict();
const Gpus = z
  .object({
    value: z
      .object({
        vendor: z.string().optional(),
        num: z.string().regex(/^(none|[1-9]\d*)$/, 'must be "none" or a count as a string'),
        vendors: z.array(GpuVendor).optional(),
      })
      .strict()
      .refine((g) => !g.vendor || (g.vendors ?? []).some((v) => v.limitsKey === g.vendor), {
        message: 'vendor is not the limitsKey of one of the vendors',
        path: ['vendor'],
      })
      .optional(),
    readOnly,
  })
  .strict();

const TolerationGroup = z
  .object({
    groupKey: z.string().min(1),
    displayName: z.string(),
    tolerations: z.array(k8s((v) => new Toleration(v), 'Toleration')),
  })
  .strict();
const AffinityConfig = z
  .object({ configKey: z.string().min(1), displayName: z.string(), affinity: k8s((v) => new Affinity(v), 'Affinity') })
  .strict();

const SpawnerFormDefaults = z
  .object({
    image: ImageGroup,
    imageGroupOne: ImageGroup,
    imageGroupTwo: ImageGroup,
    allowCustomImage: z.boolean(),
    hideRegistry: z.boolean(),
    hideTag: z.boolean(),
    imagePullPolicy: z.object({ value: pullPolicy, readOnly }).strict(),
    cpu: Resource,
    memory: Resource,
    gpus: Gpus,
    workspaceVolume: z.object({ value: JwaVolume.nullable(), readOnly }).strict(),
    dataVolumes: z.object({ value: z.array(JwaVolume), readOnly }).strict(),
    affinityConfig: z.object({ value: z.string(), options: z.array(AffinityConfig), readOnly }).strict(),
    tolerationGroup: z.object({ value: z.string(), options: z.array(TolerationGroup), readOnly }).strict(),
    shm: z.object({ value: z.boolean(), readOnly }).strict(),
    configurations: z.object({ value: z.array(z.string()), readOnly }).strict(),
    // The ROK flavour reads it; the YAML ships `{}`, config.ts types it a JSON string.
    environment: z.object({ value: z.union([z.record(z.string(), z.unknown()), z.string()]), readOnly }).strict(),
  })
  .partial()
  .strict();

/** Our file holds only spawnerFormDefaults: the admin merges it into the cluster's config. */
const SpawnerConfig = z.object({ spawnerFormDefaults: SpawnerFormDefaults }).strict();

const FIX: Record<string, string> = {
  unrecognized_keys: 'remove it: the Jupyter web app does not read it',
  invalid_type: "give it the type the Jupyter web app's spawner_ui_config.yaml uses",
};

/** Every way `doc` breaks the contract, one finding per key path. */
export function checkSpawnerConfig(doc: unknown, file: string): KubeflowFinding[] {
  const res = SpawnerConfig.safeParse(doc);
  if (res.success) return [];
  const out: KubeflowFinding[] = [];
  for (const issue of res.error.issues) {
    const fix = FIX[issue.code] ?? "match the Jupyter web app's spawner_ui_config.yaml";
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
      for (const key of issue.keys)
        out.push({ file, path: jsonPath([...issue.path, key]), problem: 'unknown key', fix });
    } else out.push({ file, path: jsonPath(issue.path), problem: issue.message, fix });
  }
  return out;
}
