import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { loadCatalog } from '../../src/catalog/load.ts';
import { isKfcError } from '../../src/errors.ts';
import { renderKubeflow } from '../../src/kubeflow/kubeflow.ts';
import { CRD_SHA_ENV, compileNotebookCrd, loadNotebookCrd } from '../../src/kubeflow/kubeflow-crd.ts';
import { findingLine } from '../../src/kubeflow/kubeflow-findings.ts';
import { checkNotebookFile } from '../../src/kubeflow/kubeflow-notebook-check.ts';
import { NOTEBOOK_DIR } from '../../src/kubeflow/kubeflow-paths.ts';
import { validateKubeflowFiles } from '../../src/kubeflow/kubeflow-validate.ts';
import { copyFixture, REPO_ROOT, runKfc } from './helpers.ts';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/publish');
// A hand-written CRD in the real one's shape (see its header): the real Notebook CRD is not in the repo.
const SYNTHETIC_CRD = resolve(import.meta.dirname, '../fixtures/kubeflow/notebook-crd.SYNTHETIC.yaml');
const crdText = readFileSync(SYNTHETIC_CRD, 'utf8');
const crd = compileNotebookCrd(crdText, SYNTHETIC_CRD);
const FILE = 'deploy/kubeflow/notebooks/jupyterlab-cpu.yaml';
const POD = 'Notebook.spec.template.spec';

function renderedFiles() {
  return renderKubeflow(loadCatalog(FIXTURE, { readFiles: false })).files;
}

/** The PVC and Notebook of jupyterlab-cpu, to break one field at a time. */
// biome-ignore lint/suspicious/noExplicitAny: the tests break arbitrary fields of parsed YAML
type Loose = Record<string, any>;
function docs(): [Loose, Loose] {
  const f = renderedFiles().find((x) => x.path === `${NOTEBOOK_DIR}/jupyterlab-cpu.yaml`)!;
  const [pvc, nb] = parseAllDocuments(f.content).map((d) => d.toJS());
  return [pvc, nb];
}

function yamlOf(pvc: unknown, nb: unknown): string {
  return `${stringify(pvc)}---\n${stringify(nb)}`;
}

function problems(pvc: unknown, nb: unknown, withCrd = false): string[] {
  return checkNotebookFile(yamlOf(pvc, nb), FILE, withCrd ? crd : undefined).map((f) => `${f.path}: ${f.problem}`);
}

describe('Notebook manifests vs the Kubernetes schemas and the Notebook CRD', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('every generated and every committed file passes, with and without the CRD', () => {
    const shown = (p: string) => `deploy/kubeflow/${p}`;
    assert.deepEqual(validateKubeflowFiles(renderedFiles(), shown), []);
    assert.deepEqual(validateKubeflowFiles(renderedFiles(), shown, crd), []);
    const dir = join(REPO_ROOT, 'deploy/kubeflow');
    const committed = [
      { path: 'spawner_ui_config.yaml', content: readFileSync(join(dir, 'spawner_ui_config.yaml'), 'utf8') },
      ...readdirSync(join(dir, NOTEBOOK_DIR)).map((n) => ({
        path: `${NOTEBOOK_DIR}/${n}`,
        content: readFileSync(join(dir, NOTEBOOK_DIR, n), 'utf8'),
      })),
    ];
    assert.ok(committed.length >= 2);
    assert.deepEqual(validateKubeflowFiles(committed, shown, crd), []);
  });

  test('a wrong field type in the pod template fails with its path (Kubernetes PodSpec schema)', () => {
    const [pvc, nb] = docs();
    nb.spec.template.spec.containers[0].env = [{ name: 'A', value: 3 }];
    nb.spec.template.spec.securityContext.runAsUser = '1000';
    nb.spec.template.spec.volumes[1].emptyDir.sizeLimit = 'lots';
    const got = problems(pvc, nb);
    assert.ok(got.includes(`${POD}.containers[0].env[0].value: must be string (Kubernetes PodSpec)`), got.join('\n'));
    assert.ok(got.includes(`${POD}.securityContext.runAsUser: must be integer (Kubernetes PodSpec)`), got.join('\n'));
    assert.ok(
      got.some((p) => p.startsWith(`${POD}.volumes[1].emptyDir.sizeLimit: `)),
      got.join('\n'),
    );
    const line = findingLine(checkNotebookFile(yamlOf(pvc, nb), FILE)[0]!);
    assert.match(
      line,
      /^kfc: error: deploy\/kubeflow\/notebooks\/jupyterlab-cpu\.yaml: Notebook\.spec\.\S+: .+ \(fix: .+\)$/,
    );
  });

  test('the PVC, the metadata and the references are checked too', () => {
    const [pvc, nb] = docs();
    pvc.spec.accessModes = 'ReadWriteOnce';
    nb.metadata.labels = { app: 7 };
    nb.spec.template.spec.containers[0].volumeMounts[1].name = 'shm';
    const got = problems(pvc, nb);
    assert.ok(
      got.includes('PersistentVolumeClaim.spec.accessModes: must be array (Kubernetes PersistentVolumeClaim)'),
      got.join('\n'),
    );
    assert.ok(got.includes('Notebook.metadata.labels.app: must be string (Kubernetes ObjectMeta)'), got.join('\n'));
    assert.ok(got.includes(`${POD}.containers[0].volumeMounts[1].name: no volume named "shm"`), got.join('\n'));
  });

  test('the CRD catches what the Kubernetes models let through: undeclared fields, at their path', () => {
    const [pvc, nb] = docs();
    nb.spec.template.spec.containers[0].imagePulPolicy = 'Always';
    nb.spec.templates = {};
    assert.deepEqual(
      problems(pvc, nb).filter((p) => p.includes('imagePulPolicy')),
      [],
    );
    const got = problems(pvc, nb, true);
    assert.ok(
      got.includes(`${POD}.containers[0].imagePulPolicy: field not in the Notebook CRD schema (Notebook CRD)`),
      got.join('\n'),
    );
    assert.ok(
      got.includes('Notebook.spec.templates: field not in the Notebook CRD schema (Notebook CRD)'),
      got.join('\n'),
    );
  });

  test('the CRD catches wrong types, and int-or-string quantities follow its pattern', () => {
    const [pvc, nb] = docs();
    nb.spec.template.spec.securityContext.fsGroup = '100';
    nb.spec.template.spec.containers[0].resources.limits.cpu = 'two';
    nb.spec.template.spec.containers[0].resources.requests.cpu = 1; // an integer quantity is valid
    const got = problems(pvc, nb, true).filter((p) => p.endsWith('(Notebook CRD)'));
    assert.deepEqual(got.sort(), [
      `${POD}.containers[0].resources.limits.cpu: "two" does not match the schema's pattern (Notebook CRD)`,
      `${POD}.securityContext.fsGroup: must be integer (Notebook CRD)`,
    ]);
  });

  test('the CRD file: sha256 pin, Notebook CRD only, version v1 required', () => {
    const sha = crd.sha256;
    assert.match(sha, /^[0-9a-f]{64}$/);
    assert.equal(loadNotebookCrd(SYNTHETIC_CRD, { [CRD_SHA_ENV]: sha })?.sha256, sha);
    assert.equal(loadNotebookCrd(undefined, {}), undefined);
    const bad = (f: () => unknown, re: RegExp) =>
      assert.throws(f, (e: unknown) => isKfcError(e) && e.exitCode === 2 && re.test(e.line()));
    bad(
      () => loadNotebookCrd(SYNTHETIC_CRD, { [CRD_SHA_ENV]: '0'.repeat(64) }),
      /sha256 [0-9a-f]{64} is not the expected 0{64}/,
    );
    bad(
      () => compileNotebookCrd(crdText.replace('notebooks.kubeflow.org', 'others.example.com'), 'x.yaml'),
      /no CustomResourceDefinition named notebooks\.kubeflow\.org/,
    );
    bad(
      () => compileNotebookCrd(crdText.replace('- name: v1', '- name: v1beta1'), 'x.yaml'),
      /no openAPIV3Schema for version v1 .*v1beta1/,
    );
    bad(() => loadNotebookCrd('/nonexistent/crd.yaml', {}), /cannot read the Notebook CRD/);
  });

  test('kfc kubeflow --check: exit 2 with one line per finding; KFC_NOTEBOOK_CRD is used and named', async () => {
    const root = copyFixture(FIXTURE);
    dirs.push(root);
    const write = await runKfc(root, ['kubeflow']);
    assert.equal(write.code, 0, write.stderr);
    const env = { KFC_NOTEBOOK_CRD: SYNTHETIC_CRD };
    const ok = await runKfc(root, ['kubeflow', '--check'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stderr,
      /Notebooks checked against the CRD .*notebook-crd\.SYNTHETIC\.yaml \(sha256 [0-9a-f]{64}\)/,
    );
    const nbFile = join(root, 'deploy/kubeflow/notebooks/jupyterlab-cpu.yaml');
    writeFileSync(nbFile, readFileSync(nbFile, 'utf8').replace('fsGroup: 100', 'fsGroup: "100"'));
    const spawner = join(root, 'deploy/kubeflow/spawner_ui_config.yaml');
    writeFileSync(spawner, readFileSync(spawner, 'utf8').replace('hideTag: false', 'hideTag: false\n  hideTags: true'));
    const res = await runKfc(root, ['kubeflow', '--check'], env);
    assert.equal(res.code, 2, res.stderr);
    const errors = res.stderr.split('\n').filter((l) => l.startsWith('kfc: error: '));
    assert.ok(
      errors.includes(
        'kfc: error: deploy/kubeflow/spawner_ui_config.yaml: spawnerFormDefaults.hideTags: unknown key ' +
          '(fix: remove it: the Jupyter web app does not read it)',
      ),
      res.stderr,
    );
    assert.ok(
      errors.some((l) =>
        l.startsWith(
          'kfc: error: deploy/kubeflow/notebooks/jupyterlab-cpu.yaml: ' +
            `${POD}.securityContext.fsGroup: must be integer (Notebook CRD) (fix: `,
        ),
      ),
      res.stderr,
    );
    assert.match(res.stdout, /differs +notebooks\/jupyterlab-cpu\.yaml/);
  });

  test('kfc kubeflow refuses to write invalid files and a mismatched CRD pin (exit 2, nothing written)', async () => {
    const root = copyFixture(FIXTURE);
    dirs.push(root);
    const res = await runKfc(root, ['kubeflow', '--notebook-crd', SYNTHETIC_CRD], {
      [CRD_SHA_ENV]: 'f'.repeat(64),
    });
    assert.equal(res.code, 2, res.stderr);
    assert.match(
      res.stderr,
      /^kfc: error: .*notebook-crd\.SYNTHETIC\.yaml: sha256 [0-9a-f]{64} is not the expected f{64}/m,
    );
    assert.equal(existsSync(join(root, 'deploy')), false);
  });
});
