import { z } from 'zod';
import { KubeflowCatalogSchema } from './kubeflow-schema.ts';

/** Capabilities an image can declare for its suites (images.yaml `test.capabilities`). */
const CAPABILITIES = ['jupyterlab-french', 'r'] as const;
export type Capability = (typeof CAPABILITIES)[number];

// Docker's reference grammar for one path component; kfc names images with it.
export const IMAGE_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lowercase hex digits' });
const httpUrl = z
  .string()
  .url({ message: 'must be a URL' })
  .refine((u) => /^https?:\/\//.test(u), { message: 'must be an http(s) URL' });
const relName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, { message: 'must be a relative name (letters, digits, . _ - /)' })
  .refine((s) => !s.split('/').includes('..'), { message: 'must not contain ".."' });

const VendorSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, { message: 'artifact name: lowercase, digits, . _ -' }),
    url: httpUrl,
    sha256,
    size: z.number().int().positive().optional(),
    optional: z.boolean().default(false),
    description: z.string().optional(),
  })
  .strict();

const DownloadSchema = z.object({ name: z.string().min(1), url: httpUrl, reason: z.string().min(1) }).strict();

const LicenseSchema = z
  .object({
    name: z.string().min(1),
    /** Environment variable or `--secret`/`--license` path that provides the licensed media. */
    env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { message: 'must be an environment variable name' }),
    description: z.string().optional(),
  })
  .strict();

const RequirementSchema = z.union([
  z.enum(['debian', 'npm', 'pypi']),
  z.object({ vendor: VendorSchema }).strict(),
  z.object({ download: DownloadSchema }).strict(),
  z.object({ license: LicenseSchema }).strict(),
]);

/** Trivy's severities, most severe first. */
export const VULN_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;

/** The vulnerability gate of `kfc referee` (Trivy, where a DB is available): counts per severity. */
const VulnGateSchema = z
  .object({
    /** Most findings allowed per severity after the allowlist; a severity not listed is not gated. */
    max: z
      .record(z.enum(VULN_SEVERITIES), z.number().int().min(0))
      .refine((m) => Object.keys(m).length > 0, { message: 'name at least one severity, e.g. { CRITICAL: 0 }' }),
    /** Findings without a fixed version do not count (Trivy's --ignore-unfixed). */
    ignoreUnfixed: z.boolean().default(true),
  })
  .strict();

/** An accepted pending Debian update: which package, why, and until when (like .trivyignore's entries). */
const AllowUpdateSchema = z
  .object({
    package: z.string().regex(/^[a-z0-9][a-z0-9+.-]*$/, { message: 'a Debian binary package name' }),
    reason: z.string().min(1, { message: 'say why the update is not taken' }),
    expires: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'expires must be YYYY-MM-DD' })
      .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), { message: 'not a calendar date' }),
  })
  .strict();

/**
 * The gate of `kfc referee` / `kfc report` on pending Debian updates: packages with a newer version
 * in <suite>-security or <suite>-updates than the image has; `allow` entries do not count until they expire.
 */
const SecurityUpdatesGateSchema = z
  .object({
    max: z.number().int().min(0).default(0),
    allow: z.array(AllowUpdateSchema).default([]),
  })
  .strict();

export type SecurityUpdatesGate = z.infer<typeof SecurityUpdatesGateSchema>;

export const GatesSchema = z
  .object({
    minEfficiency: z.number().min(0).max(1).optional(),
    /** Bytes, or a string like "3.5GB". */
    maxSize: z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB)$/i)]).optional(),
    maxStartMedianMs: z.number().positive().optional(),
    minParentShare: z.number().min(0).max(1).optional(),
    vulnerabilities: VulnGateSchema.optional(),
    securityUpdates: SecurityUpdatesGateSchema.optional(),
  })
  .strict();

const BaseSchema = z
  .object({
    image: z
      .string()
      .regex(/^[a-z0-9./_-]+:[A-Za-z0-9_.-]+$/, { message: 'must be repository:tag' })
      .refine((s) => !s.endsWith(':latest'), { message: 'a root base must not use :latest (pin a tag)' }),
    suite: z.string().min(1),
    variant: z.enum(['minbase', 'buildd', 'required', 'important', 'standard']).default('minbase'),
    mirror: httpUrl,
    /** Debian's security archive (debian-security): the <suite>-security suite comes from here. */
    securityMirror: httpUrl.default('http://deb.debian.org/debian-security'),
    components: z.array(z.string().min(1)).nonempty().default(['main']),
    snapshot: z
      .string()
      .regex(/^\d{8}T\d{6}Z$/, { message: 'snapshot must look like 20250520T000000Z' })
      .optional(),
  })
  .strict();

const ImageSchema = z
  .object({
    description: z.string().min(1, { message: 'description must not be empty' }),
    from: z.string().min(1).optional(),
    extends: z.string().min(1).optional(),
    publish: z.boolean().default(true),
    bits: z.array(relName).default([]),
    context: z.array(relName).default([]),
    args: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
    requires: z.array(RequirementSchema).default([]),
    /** Name of the Python lock this node installs: python/<name>.in + python/<name>.lock (kfc lock). */
    python: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, {
        message: 'python lock name: lowercase letters, digits, . _ - (usually the image name)',
      })
      .optional(),
    gpu: z.boolean().default(false),
    /** The port the image serves on under NB_PREFIX; inherited (the nearest ancestor's) when absent. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Default pod size (an id of kubeflow.podConfigs) of its v1 Notebook; inherited when absent. */
    podConfig: z.string().min(1).optional(),
    spawner: z
      .object({ group: z.enum(['jupyter', 'vscode', 'rstudio', 'desktop', 'sas']) })
      .strict()
      .optional(),
    gates: GatesSchema.optional(),
    test: z
      .object({
        /** Readiness path under NB_PREFIX that answers 200 once the image is up. */
        ready: z.string().startsWith('/').default('/api/status'),
        /** Suites to run besides general/, ancestors' and the image's own. */
        suites: z.array(relName).default([]),
        /** general suite applies (false for images that are not Jupyter servers). */
        general: z.boolean().default(true),
        /**
         * The field's tools (dive, Trivy) judge this image in npm test. Off only where their cost is
         * out of proportion in CI (a 10 GB archive on scratch disk and ~8 min each); say why beside it.
         */
        referees: z.boolean().default(true),
        /**
         * npm test pushes this image to a registry and pulls it into an empty node engine (kfc node-pull),
         * measuring the bytes a node that has its parent pulls. Off only where disk forbids; say why beside it.
         */
        nodePull: z.boolean().default(true),
        /**
         * What the image offers that its suites check, inherited by descendants: a suite whose capability the
         * image declares fails when it is missing, instead of skipping (src/testing/capabilities.ts).
         */
        capabilities: z.array(z.enum(CAPABILITIES)).default([]),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((img, ctx) => {
    if (img.from && img.extends) ctx.addIssue({ code: 'custom', message: 'give either "from" or "extends", not both' });
    if (!img.from && !img.extends)
      ctx.addIssue({ code: 'custom', message: 'needs "from" (a base) or "extends" (a parent image)' });
  });

export const CatalogSchema = z
  .object({
    bases: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), BaseSchema).default({}),
    registry: z
      .object({ repo: z.string().default(''), devRepo: z.string().default('') })
      .strict()
      .default({}),
    gates: GatesSchema.default({}),
    lint: z
      .object({ severity: z.record(z.string(), z.enum(['error', 'warning', 'off'])).default({}) })
      .strict()
      .default({}),
    kubeflow: KubeflowCatalogSchema.optional(),
    images: z
      .record(z.string(), ImageSchema)
      .refine((o) => Object.keys(o).length > 0, { message: 'at least one image is needed' }),
  })
  .strict();

export type Requirement = z.infer<typeof RequirementSchema>;
export type Vendor = z.infer<typeof VendorSchema>;
export type Gates = z.infer<typeof GatesSchema>;
export type VulnGate = z.infer<typeof VulnGateSchema>;
export type BaseSpec = z.infer<typeof BaseSchema>;
export type ImageSpec = z.infer<typeof ImageSchema>;
export type CatalogSpec = z.infer<typeof CatalogSchema>;
