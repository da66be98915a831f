/**
 * `kfc kubeflow` checks what it writes (and `--check` what is on disk) against Kubeflow's contracts:
 * the spawner config against the keys the Jupyter web app reads, each Notebook against the Kubernetes
 * schemas and, when given, the Notebook CRD; the Notebooks 2.0 files against the WorkspaceKind and Workspace
 * CRDs and Kubeflow's further rules (workspace-check.ts). Findings are errors (exit 2), one line each.
 */
import { parse } from 'yaml';
import { SPAWNER_FILE } from './kubeflow.ts';
import type { NotebookCrd } from './kubeflow-crd.ts';
import type { KubeflowFinding } from './kubeflow-findings.ts';
import { checkNotebookFile } from './kubeflow-notebook-check.ts';
import { NOTEBOOK_DIR, V2_DIR } from './kubeflow-paths.ts';
import { checkSpawnerConfig } from './kubeflow-spawner-contract.ts';
import { checkV2Files } from './workspace-check.ts';
import type { WorkspaceCrds } from './workspace-crd.ts';

export interface KubeflowFileText {
  /** Path inside the output folder. */
  path: string;
  content: string;
}

/** `shown(path)` names a file for the user (e.g. deploy/kubeflow/notebooks/x.yaml). */
export function validateKubeflowFiles(
  files: KubeflowFileText[],
  shown: (path: string) => string,
  crd?: NotebookCrd,
  workspaceCrds?: WorkspaceCrds,
): KubeflowFinding[] {
  const out: KubeflowFinding[] = [];
  const v2 = files.filter((f) => f.path.startsWith(`${V2_DIR}/`));
  if (v2.length) out.push(...checkV2Files(v2, shown, workspaceCrds));
  for (const f of files) {
    if (f.path === SPAWNER_FILE) {
      let doc: unknown;
      try {
        doc = parse(f.content);
      } catch (err) {
        out.push({
          file: shown(f.path),
          path: '(document)',
          problem: `YAML: ${(err as Error).message.split('\n')[0]}`,
          fix: 'run kfc kubeflow',
        });
        continue;
      }
      out.push(...checkSpawnerConfig(doc, shown(f.path)));
    } else if (f.path.startsWith(`${NOTEBOOK_DIR}/`)) out.push(...checkNotebookFile(f.content, shown(f.path), crd));
  }
  return out;
}
