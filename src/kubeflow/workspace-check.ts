/**
 * Checks the generated Notebooks 2.0 files (`v2/<kind>.yaml`, `v2/workspaces/<kind>.yaml`): each WorkspaceKind and
 * Workspace against its CRD (workspace-crd.ts) and the API server's further rules (workspacekind-rules.ts), each
 * Workspace against the kinds of the folder (the webhook's id checks), each PVC against Kubernetes' own schema.
 */
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { parseAllDocuments } from 'yaml';
import { jsonPath, type KubeflowFinding, pointerSegments } from './kubeflow-findings.ts';
import type { WorkspaceCrds } from './workspace-crd.ts';
import { workspaceKindRuleFindings, workspaceRuleFindings } from './workspacekind-rules.ts';

export interface V2FileText {
  path: string;
  content: string;
}

type Doc = Record<string, unknown>;

function docsOf(f: V2FileText, shown: string, out: KubeflowFinding[]): Doc[] {
  const docs = parseAllDocuments(f.content);
  const bad = docs.flatMap((d) => d.errors);
  if (bad.length) {
    out.push({
      file: shown,
      path: '(document)',
      problem: `YAML: ${bad[0]!.message.split('\n')[0]}`,
      fix: 'run kfc kubeflow',
    });
    return [];
  }
  return docs.map((d) => d.toJS() as Doc).filter((d) => d !== null && typeof d === 'object');
}

function pvcFindings(doc: Doc, file: string): KubeflowFinding[] {
  try {
    new PersistentVolumeClaim(doc as ConstructorParameters<typeof PersistentVolumeClaim>[0]).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: { instancePath: string; message?: string }[] }).errors ?? [];
    return errors.map((e) => ({
      file,
      path: jsonPath(['PersistentVolumeClaim', ...pointerSegments(e.instancePath)]),
      problem: `${e.message ?? 'invalid'} (Kubernetes PersistentVolumeClaim)`,
      fix: 'change the generator (src/kubeflow/workspacekinds.ts)',
    }));
  }
}

/** `shown(path)` names a file for the user. */
export function checkV2Files(
  files: V2FileText[],
  shown: (path: string) => string,
  crds: WorkspaceCrds | undefined,
): KubeflowFinding[] {
  const out: KubeflowFinding[] = [];
  const parsed = files.map((f) => ({ file: shown(f.path), docs: docsOf(f, shown(f.path), out) }));
  const kinds = new Map<string, unknown>();
  for (const { docs } of parsed)
    for (const d of docs) if (d.kind === 'WorkspaceKind') kinds.set(String((d.metadata as Doc | undefined)?.name), d);
  for (const { file, docs } of parsed) {
    for (const d of docs) {
      if (d.kind === 'WorkspaceKind') {
        out.push(...(crds?.check('WorkspaceKind', d, file) ?? []), ...workspaceKindRuleFindings(d, file));
      } else if (d.kind === 'Workspace') {
        out.push(...(crds?.check('Workspace', d, file) ?? []), ...workspaceRuleFindings(d, kinds, file));
      } else if (d.kind === 'PersistentVolumeClaim') {
        out.push(...pvcFindings(d, file));
      } else {
        out.push({
          file,
          path: jsonPath([String(d.kind ?? '(document)')]),
          problem: 'not a WorkspaceKind, Workspace or PersistentVolumeClaim',
          fix: 'run kfc kubeflow',
        });
      }
    }
  }
  return out;
}
