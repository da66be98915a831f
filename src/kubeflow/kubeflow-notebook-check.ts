/**
 * Checks a generated `notebooks/<image>.yaml` (a PVC, then a kubeflow.org/v1 Notebook) with the
 * Kubernetes API's own OpenAPI schemas (kubernetes-models, @kubernetes-models/apimachinery) and,
 * when given, the Notebook CRD's openAPIV3Schema (kubeflow-crd.ts).
 *
 * The Notebook envelope is `spec.template.spec: PodSpec` (the CRD's NotebookSpec > template > spec,
 * kubeflow/kubeflow components/notebook-controller/config/crd/bases/kubeflow.org_notebooks.yaml
 * @0708d13821a2cd5bed5765806952bc0f68b5643e): the pod template inside is checked as a core/v1 PodSpec.
 */
import { ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { PodSpec } from 'kubernetes-models/v1/PodSpec';
import { parseAllDocuments } from 'yaml';
import type { NotebookCrd } from './kubeflow-crd.ts';
import { jsonPath, type KubeflowFinding, pointerSegments } from './kubeflow-findings.ts';

type Seg = string | number;
type Doc = Record<string, unknown>;

const FIX_SCHEMA = 'change the generator (src/kubeflow/kubeflow.ts) so the field has the Kubernetes type';

function isObject(v: unknown): v is Doc {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Runs a kubernetes-models validator; each Ajv error becomes a finding under `at`. */
function modelFindings(file: string, at: Seg[], run: () => void, what: string): KubeflowFinding[] {
  try {
    run();
    return [];
  } catch (err) {
    const errors = (err as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (!errors?.length) return [{ file, path: jsonPath(at), problem: `not a valid ${what}`, fix: FIX_SCHEMA }];
    return errors.map((e) => ({
      file,
      path: jsonPath([...at, ...pointerSegments(e.instancePath)]),
      problem: `${e.message ?? 'invalid'} (Kubernetes ${what})`,
      fix: FIX_SCHEMA,
    }));
  }
}

/** Fields the Notebook envelope may carry besides the pod template (status is the controller's). */
function envelopeFindings(file: string, nb: Doc): KubeflowFinding[] {
  const out: KubeflowFinding[] = [];
  const unknown = (path: Seg[], obj: Doc, allowed: string[]) => {
    for (const k of Object.keys(obj))
      if (!allowed.includes(k))
        out.push({ file, path: jsonPath([...path, k]), problem: 'unknown field of a Notebook', fix: 'remove it' });
  };
  if (nb.apiVersion !== 'kubeflow.org/v1')
    out.push({ file, path: 'Notebook.apiVersion', problem: 'must be kubeflow.org/v1', fix: FIX_SCHEMA });
  unknown(['Notebook'], nb, ['apiVersion', 'kind', 'metadata', 'spec']);
  const spec = nb.spec;
  if (!isObject(spec) || !isObject(spec.template) || !isObject(spec.template.spec)) {
    out.push({ file, path: 'Notebook.spec.template.spec', problem: 'missing pod template', fix: FIX_SCHEMA });
    return out;
  }
  unknown(['Notebook', 'spec'], spec, ['template']);
  unknown(['Notebook', 'spec', 'template'], spec.template, ['spec']);
  return out;
}

/** What the API server checks beyond the schema and kfc relies on: mounts name volumes, the PVC is the one here. */
function referenceFindings(file: string, pod: Doc, claims: Set<string>): KubeflowFinding[] {
  const out: KubeflowFinding[] = [];
  const at: Seg[] = ['Notebook', 'spec', 'template', 'spec'];
  const volumes = Array.isArray(pod.volumes) ? pod.volumes.filter(isObject) : [];
  const names = new Set(volumes.map((v) => v.name));
  const containers = Array.isArray(pod.containers) ? pod.containers : [];
  containers.forEach((c, i) => {
    const mounts = isObject(c) && Array.isArray(c.volumeMounts) ? c.volumeMounts : [];
    mounts.forEach((m, j) => {
      if (isObject(m) && !names.has(m.name))
        out.push({
          file,
          path: jsonPath([...at, 'containers', i, 'volumeMounts', j, 'name']),
          problem: `no volume named "${String(m.name)}"`,
          fix: 'add the volume to spec.template.spec.volumes',
        });
    });
  });
  volumes.forEach((v, i) => {
    const claim = isObject(v.persistentVolumeClaim) ? v.persistentVolumeClaim.claimName : undefined;
    if (claim !== undefined && !claims.has(String(claim)))
      out.push({
        file,
        path: jsonPath([...at, 'volumes', i, 'persistentVolumeClaim', 'claimName']),
        problem: `no PersistentVolumeClaim "${String(claim)}" in this file`,
        fix: 'name the workspace PVC of the same file',
      });
  });
  return out;
}

/** All findings for one notebooks/<image>.yaml file (`file` is the path shown to the user). */
export function checkNotebookFile(content: string, file: string, crd?: NotebookCrd): KubeflowFinding[] {
  const docs = parseAllDocuments(content);
  const out: KubeflowFinding[] = [];
  const claims = new Set<string>();
  let notebooks = 0;
  for (const d of docs) {
    if (d.errors.length) {
      out.push({ file, path: '(document)', problem: `YAML: ${d.errors[0]!.message}`, fix: 'run kfc kubeflow' });
      continue;
    }
    const doc = d.toJS() as unknown;
    if (!isObject(doc)) continue;
    if (doc.kind === 'PersistentVolumeClaim') {
      out.push(
        ...modelFindings(
          file,
          ['PersistentVolumeClaim'],
          () => new PersistentVolumeClaim(doc).validate(),
          'PersistentVolumeClaim',
        ),
      );
      const meta = isObject(doc.metadata) ? doc.metadata : {};
      if (typeof meta.name === 'string') claims.add(meta.name);
    } else if (doc.kind === 'Notebook') {
      notebooks++;
      out.push(...envelopeFindings(file, doc));
      out.push(
        ...modelFindings(
          file,
          ['Notebook', 'metadata'],
          () => new ObjectMeta(doc.metadata as never).validate(),
          'ObjectMeta',
        ),
      );
      const spec = isObject(doc.spec) && isObject(doc.spec.template) ? doc.spec.template.spec : undefined;
      if (isObject(spec)) {
        out.push(
          ...modelFindings(
            file,
            ['Notebook', 'spec', 'template', 'spec'],
            () => new PodSpec(spec as never).validate(),
            'PodSpec',
          ),
        );
        out.push(...referenceFindings(file, spec, claims));
      }
      if (crd) out.push(...crd.check(doc, file));
    } else
      out.push({
        file,
        path: 'kind',
        problem: `unexpected kind ${JSON.stringify(doc.kind)}`,
        fix: 'a notebooks/ file holds a PersistentVolumeClaim and a Notebook',
      });
  }
  if (notebooks !== 1)
    out.push({
      file,
      path: '(document)',
      problem: `${notebooks} Notebook objects, expected 1`,
      fix: 'run kfc kubeflow',
    });
  return out;
}
