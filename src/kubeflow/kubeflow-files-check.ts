/**
 * The Kubeflow files against Kubeflow's contracts: the Notebooks against the Notebook CRD (or the Kubernetes
 * schemas alone), the WorkspaceKinds and Workspaces against their CRDs and Kubeflow's webhook and CEL rules.
 * It checks the files on disk (`kfc kubeflow --check`) or what is about to be written.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { KubeflowFile } from './kubeflow.ts';
import { loadNotebookCrd } from './kubeflow-crd.ts';
import { findingLine } from './kubeflow-findings.ts';
import { CRD_ENV, DEFAULT_CRD } from './kubeflow-paths.ts';
import { validateKubeflowFiles } from './kubeflow-validate.ts';
import { loadWorkspaceCrds, WORKSPACE_CRD_DIR } from './workspace-crd.ts';

export interface KubeflowFilesCheck {
  /** What each kind of file was checked against (one line each). */
  against: string[];
  /** One line per finding. */
  findings: string[];
}

export function checkKubeflowFiles(
  root: string,
  dir: string,
  files: KubeflowFile[],
  onDisk: boolean,
  crdFile?: string,
): KubeflowFilesCheck {
  const shown = (p: string) => relative(process.cwd(), p) || p;
  const crd = loadNotebookCrd(crdFile, process.env, join(root, DEFAULT_CRD));
  const v2 = loadWorkspaceCrds(join(root, WORKSPACE_CRD_DIR));
  const against = [
    crd
      ? `Notebooks checked against the CRD ${shown(crd.file)} (sha256 ${crd.sha256})`
      : 'note: Notebooks checked against the Kubernetes schemas only: ' +
        `no Notebook CRD (--notebook-crd FILE, ${CRD_ENV} or ${DEFAULT_CRD})`,
    v2
      ? `WorkspaceKinds and Workspaces checked against ${v2.files.map(shown).join(', ')}`
      : "note: WorkspaceKinds checked against Kubeflow's webhook and CEL rules only: " +
        `no ${WORKSPACE_CRD_DIR}/kubeflow.org_workspacekinds.yaml`,
  ];
  const texts = onDisk
    ? files.flatMap((f) => {
        const p = join(dir, f.path);
        return existsSync(p) ? [{ path: f.path, content: readFileSync(p, 'utf8') }] : [];
      })
    : files;
  const findings = validateKubeflowFiles(texts, (p) => relative(process.cwd(), join(dir, p)), crd, v2);
  return { against, findings: findings.map(findingLine) };
}
