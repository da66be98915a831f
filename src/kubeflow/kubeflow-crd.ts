/**
 * The Notebook CRD (kubeflow.org_notebooks.yaml) as an Ajv validator of its `kubeflow.org/v1`
 * openAPIV3Schema. The file comes from `--notebook-crd FILE` or `KFC_NOTEBOOK_CRD` (e.g. the file Kubeflow
 * publishes), else the project's deploy/kubeflow/crd/kubeflow.org_notebooks.yaml: the same CRD regenerated
 * by Kubeflow's tool from Kubeflow's types (tools/notebook-crd/generate.sh). `KFC_NOTEBOOK_CRD_SHA256`,
 * when set, pins the file (a different file is an error, not a quieter check).
 *
 * Fields the schema does not declare are errors here, as `kubectl apply --validate=strict` makes them:
 * the API server would otherwise prune them silently (structural schema), so a typo'd field would vanish.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { KfcError } from '../errors.ts';
import { jsonPath, type KubeflowFinding, pointerSegments } from './kubeflow-findings.ts';
import { CRD_ENV } from './kubeflow-paths.ts';

export const CRD_SHA_ENV = 'KFC_NOTEBOOK_CRD_SHA256';
const CRD_NAME = 'notebooks.kubeflow.org';

export interface NotebookCrd {
  file: string;
  sha256: string;
  check(notebook: unknown, shownFile: string): KubeflowFinding[];
}

type Schema = Record<string, unknown>;

function isObject(v: unknown): v is Schema {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A copy of the schema where every declared object refuses undeclared fields (strict field validation). */
export function strictSchema(node: unknown): unknown {
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    if ((k === 'properties' || k === 'patternProperties') && isObject(v))
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, strictSchema(s)]));
    else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) out[k] = v.map(strictSchema);
    else if (k === 'items' || k === 'additionalProperties' || k === 'not') out[k] = strictSchema(v);
    else out[k] = v;
  }
  const open = node['x-kubernetes-preserve-unknown-fields'] === true || 'additionalProperties' in node;
  if (isObject(node.properties) && !open) out.additionalProperties = false;
  return out;
}

/** The openAPIV3Schema of the served version `version` of the CRD named `crdName` in `text`. */
export function crdSchema(text: string, where: string, crdName: string, version: string, hint: string): Schema {
  const docs = parseAllDocuments(text).map((d) => d.toJS() as unknown);
  const crd = docs.find(
    (d) => isObject(d) && d.kind === 'CustomResourceDefinition' && isObject(d.metadata) && d.metadata.name === crdName,
  );
  if (!isObject(crd) || !isObject(crd.spec))
    throw new KfcError(`no CustomResourceDefinition named ${crdName}`, { where, hint });
  const versions = Array.isArray(crd.spec.versions) ? crd.spec.versions.filter(isObject) : [];
  const v = versions.find((x) => x.name === version);
  const schema = v && isObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
  if (!isObject(schema))
    throw new KfcError(`the CRD has no openAPIV3Schema for version ${version}`, {
      where,
      hint: `versions found: ${versions.map((x) => String(x.name)).join(', ') || 'none'}`,
    });
  return schema;
}

export function crdProblem(e: ErrorObject, crdKind = 'Notebook'): { segs: (string | number)[]; text: string } {
  const segs = pointerSegments(e.instancePath);
  if (e.keyword === 'additionalProperties') {
    const key = String((e.params as { additionalProperty: string }).additionalProperty);
    return { segs: [...segs, key], text: `field not in the ${crdKind} CRD schema` };
  }
  // The quantity pattern is 100+ characters: name the value instead of quoting the regex.
  if (e.keyword === 'pattern') return { segs, text: `${JSON.stringify(e.data)} does not match the schema's pattern` };
  if (e.keyword === 'enum')
    return { segs, text: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` };
  return { segs, text: e.message ?? e.keyword };
}

export function compileNotebookCrd(text: string, file: string, expectedSha?: string): NotebookCrd {
  const sha256 = createHash('sha256').update(text).digest('hex');
  if (expectedSha && expectedSha.toLowerCase() !== sha256)
    throw new KfcError(`sha256 ${sha256} is not the expected ${expectedSha} (${CRD_SHA_ENV})`, {
      where: file,
      hint: `use the CRD file that ${CRD_SHA_ENV} pins, or update the pin after reviewing the new CRD`,
    });
  // strict: false — the schema carries Kubernetes' x-kubernetes-* extensions and OpenAPI formats
  // (int32, int64, byte) that are not JSON Schema keywords; Ajv ignores them instead of refusing.
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateFormats: false, logger: false });
  const hint = 'give the Notebook CRD, kubeflow.org_notebooks.yaml from Kubeflow';
  const validate = ajv.compile(strictSchema(crdSchema(text, file, CRD_NAME, 'v1', hint)) as Schema);
  return {
    file,
    sha256,
    check(notebook, shownFile) {
      if (validate(notebook)) return [];
      const seen = new Set<string>();
      const out: KubeflowFinding[] = [];
      for (const e of validate.errors ?? []) {
        // anyOf branches (int-or-string) repeat the same place: one line per place and problem.
        if (e.keyword === 'anyOf') continue;
        const { segs, text } = crdProblem(e);
        const path = jsonPath(['Notebook', ...segs]);
        if (seen.has(`${path}\0${text}`)) continue;
        seen.add(`${path}\0${text}`);
        out.push({
          file: shownFile,
          path,
          problem: `${text} (Notebook CRD)`,
          fix: 'change the generator (src/kubeflow/kubeflow.ts) to emit what the Notebook CRD declares',
        });
      }
      return out;
    },
  };
}

/**
 * The CRD named by the option or KFC_NOTEBOOK_CRD, else `defaultFile` (the project's regenerated CRD)
 * when it exists, else undefined (a project without one: Notebooks get the Kubernetes schemas only).
 */
export function loadNotebookCrd(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  defaultFile?: string,
): NotebookCrd | undefined {
  const given = file ?? (env[CRD_ENV] || undefined);
  const path = given ?? (defaultFile && existsSync(defaultFile) ? defaultFile : undefined);
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KfcError(`cannot read the Notebook CRD: ${(err as Error).message}`, {
      where: path,
      hint: `pass --notebook-crd FILE or set ${CRD_ENV} to kubeflow.org_notebooks.yaml`,
    });
  }
  return compileNotebookCrd(text, path, env[CRD_SHA_ENV] || undefined);
}
