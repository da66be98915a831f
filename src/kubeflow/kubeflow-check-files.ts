/**
 * `kfc kubeflow`'s check: the files about to be written (or, under --check, those on disk) validated
 * against Kubeflow's contracts and the Notebook CRD found (--notebook-crd, the env, else the repository's);
 * one line per finding.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { KubeflowFile } from './kubeflow.ts';
import { CRD_ENV, DEFAULT_CRD, loadNotebookCrd } from './kubeflow-crd.ts';
import { findingLine } from './kubeflow-findings.ts';
import { validateKubeflowFiles } from './kubeflow-validate.ts';

/** Prints (through `log`) what the Notebooks were checked against and each finding; returns how many. */
export function kubeflowFindings(
  root: string,
  dir: string,
  files: KubeflowFile[],
  opts: { onDisk: boolean; crdFile?: string; log: (line: string) => void },
): number {
  const crd = loadNotebookCrd(opts.crdFile, process.env, join(root, DEFAULT_CRD));
  const what = crd
    ? `Notebooks checked against the CRD ${relative(process.cwd(), crd.file) || crd.file} (sha256 ${crd.sha256})`
    : 'note: Notebooks checked against the Kubernetes schemas only: ' +
      `no Notebook CRD (--notebook-crd FILE, ${CRD_ENV} or ${DEFAULT_CRD})`;
  opts.log(`kfc kubeflow: ${what}`);
  const texts = opts.onDisk
    ? files.flatMap((f) => {
        const p = join(dir, f.path);
        return existsSync(p) ? [{ path: f.path, content: readFileSync(p, 'utf8') }] : [];
      })
    : files;
  const findings = validateKubeflowFiles(texts, (p) => relative(process.cwd(), join(dir, p)), crd);
  for (const f of findings) opts.log(findingLine(f));
  return findings.length;
}
