import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { loadCatalog } from '../../src/catalog/load.ts';
import { k8sName, renderKubeflow, SPAWNER_FILE } from '../../src/kubeflow/kubeflow.ts';
import { NOTEBOOK_DIR } from '../../src/kubeflow/kubeflow-paths.ts';
import { checkFolder, writeFolder } from '../../src/outputs/folder.ts';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/publish');
const catalog = loadCatalog(FIXTURE, { readFiles: false });

// ---- The schemas, written down from Kubeflow's Notebook CRD (kubeflow.org/v1) and the Jupyter
// ---- web app's spawner_ui_config.yaml: only the fields kfc sets, each as Kubeflow expects it.
const dns1123 = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
  .max(63);
const imageRef = z.string().regex(/^[a-z0-9./_-]+(:\d+)?(\/[a-z0-9._-]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/);
const ImageOptions = z
  .object({ value: z.union([imageRef, z.literal('')]), options: z.array(imageRef), readOnly: z.boolean().optional() })
  .strict()
  .refine((o) => (o.value === '' ? o.options.length === 0 : o.options.includes(o.value)), {
    message: 'value must be one of the options',
  });

const SpawnerSchema = z
  .object({
    spawnerFormDefaults: z
      .object({
        image: ImageOptions,
        imageGroupOne: ImageOptions,
        imageGroupTwo: ImageOptions,
        allowCustomImage: z.boolean(),
        imagePullPolicy: z
          .object({ value: z.enum(['IfNotPresent', 'Always', 'Never']), readOnly: z.boolean() })
          .strict(),
        hideRegistry: z.boolean(),
        hideTag: z.boolean(),
        gpus: z
          .object({
            value: z
              .object({
                num: z.string(),
                vendor: z.string(),
                vendors: z.array(z.object({ limitsKey: z.string(), uiName: z.string() }).strict()),
              })
              .strict(),
            readOnly: z.boolean(),
          })
          .strict()
          .optional(),
      })
      .strict(),
  })
  .strict();

const Resources = z
  .object({
    requests: z.object({ cpu: quantity, memory: quantity }).strict(),
    limits: z
      .object({ cpu: quantity, memory: quantity, 'nvidia.com/gpu': z.number().int().positive().optional() })
      .strict(),
  })
  .strict();

const NotebookSchema = z
  .object({
    apiVersion: z.literal('kubeflow.org/v1'),
    kind: z.literal('Notebook'),
    metadata: z
      .object({
        name: dns1123,
        namespace: dns1123,
        labels: z.record(z.string()),
        annotations: z
          .object({
            'notebooks.kubeflow.org/server-type': z.enum(['jupyter', 'group-one', 'group-two']),
            'notebooks.kubeflow.org/http-rewrite-uri': z.literal('/').optional(),
            'notebooks.kubeflow.org/http-headers-request-set': z.string().optional(),
          })
          .strict(),
      })
      .strict(),
    spec: z
      .object({
        template: z
          .object({
            spec: z
              .object({
                serviceAccountName: z.string(),
                securityContext: z
                  .object({ runAsUser: z.literal(1000), runAsGroup: z.literal(100), fsGroup: z.literal(100) })
                  .strict(),
                containers: z
                  .array(
                    z
                      .object({
                        name: dns1123,
                        image: imageRef,
                        imagePullPolicy: z.enum(['IfNotPresent', 'Always', 'Never']),
                        resources: Resources,
                        volumeMounts: z.array(
                          z.object({ name: z.string(), mountPath: z.string().startsWith('/') }).strict(),
                        ),
                      })
                      .strict(),
                  )
                  .length(1),
                volumes: z.array(
                  z
                    .object({
                      name: z.string(),
                      persistentVolumeClaim: z.object({ claimName: dns1123 }).strict().optional(),
                      emptyDir: z
                        .object({ medium: z.literal('Memory') })
                        .strict()
                        .optional(),
                    })
                    .strict(),
                ),
              })
              .strict(),
          })
          .strict(),
      })
      .strict(),
  })
  .strict();

const PvcSchema = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('PersistentVolumeClaim'),
    metadata: z.object({ name: dns1123, namespace: dns1123 }).strict(),
    spec: z
      .object({
        accessModes: z.array(z.enum(['ReadWriteOnce', 'ReadWriteMany', 'ReadOnlyMany'])).nonempty(),
        storageClassName: z.string().optional(),
        resources: z.object({ requests: z.object({ storage: quantity }).strict() }).strict(),
      })
      .strict(),
  })
  .strict();

function files(opts = {}) {
  return new Map(renderKubeflow(catalog, opts).files.map((f) => [f.path, f.content]));
}

function notebookOf(content: string) {
  const docs = parseAllDocuments(content).map((d) => d.toJS());
  assert.equal(docs.length, 2);
  return { pvc: PvcSchema.parse(docs[0]), nb: NotebookSchema.parse(docs[1]) };
}

describe('kfc kubeflow', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('spawner config validates and groups the images (jupyter, vscode → group one, rstudio → group two)', () => {
    const cfg = SpawnerSchema.parse(parse(files().get(SPAWNER_FILE)!));
    const d = cfg.spawnerFormDefaults;
    assert.deepEqual(d.image.options, [
      'ghcr.io/example/kfc/jupyterlab-cpu:v1',
      'ghcr.io/example/kfc/jupyterlab-pytorch:v1',
    ]);
    assert.equal(d.image.value, 'ghcr.io/example/kfc/jupyterlab-cpu:v1');
    assert.deepEqual(d.imageGroupOne.options, ['ghcr.io/example/kfc/codeserver:v1']);
    assert.deepEqual(d.imageGroupTwo.options, ['ghcr.io/example/kfc/rstudio:v1']);
    assert.equal(d.hideRegistry, true);
    assert.equal(d.gpus?.value.vendors[0]?.limitsKey, 'nvidia.com/gpu');
  });

  test('registry and tag options reach every reference; internal stages are never offered', () => {
    const f = files({ repo: 'registry.example:5000/team', tag: 'python-3.13', hideTag: true });
    const cfg = SpawnerSchema.parse(parse(f.get(SPAWNER_FILE)!));
    const all = [
      cfg.spawnerFormDefaults.image,
      cfg.spawnerFormDefaults.imageGroupOne,
      cfg.spawnerFormDefaults.imageGroupTwo,
    ].flatMap((g) => g.options);
    assert.ok(all.every((r) => r.startsWith('registry.example:5000/team/') && r.endsWith(':python-3.13')));
    assert.ok(!all.some((r) => r.includes('foundation')));
    assert.equal(cfg.spawnerFormDefaults.hideTag, true);
    assert.ok(!f.has(`${NOTEBOOK_DIR}/foundation.yaml`));
  });

  test('one valid Notebook + PVC per published image, home on the PVC, jovyan ids, fsGroup 100', () => {
    const f = files();
    const names = [...f.keys()].filter((p) => p.startsWith(`${NOTEBOOK_DIR}/`));
    assert.deepEqual(
      names.sort(),
      ['codeserver', 'jupyterlab-cpu', 'jupyterlab-pytorch', 'rstudio'].map((n) => `${NOTEBOOK_DIR}/${n}.yaml`),
    );
    for (const p of names) {
      const { pvc, nb } = notebookOf(f.get(p)!);
      const pod = nb.spec.template.spec;
      const home = pod.containers[0]!.volumeMounts.find((m) => m.mountPath === '/home/jovyan');
      assert.ok(home, `${p}: /home/jovyan is mounted`);
      const vol = pod.volumes.find((v) => v.name === home.name);
      assert.equal(vol?.persistentVolumeClaim?.claimName, pvc.metadata.name, `${p}: home is the PVC`);
      assert.equal(pvc.metadata.namespace, nb.metadata.namespace);
    }
  });

  test('GPU images get nvidia.com/gpu: 1; CPU images get none', () => {
    const f = files();
    const gpu = notebookOf(f.get(`${NOTEBOOK_DIR}/jupyterlab-pytorch.yaml`)!).nb;
    assert.equal(gpu.spec.template.spec.containers[0]!.resources.limits['nvidia.com/gpu'], 1);
    const cpu = notebookOf(f.get(`${NOTEBOOK_DIR}/jupyterlab-cpu.yaml`)!).nb;
    assert.equal(cpu.spec.template.spec.containers[0]!.resources.limits['nvidia.com/gpu'], undefined);
  });

  test('annotations follow the spawner group, as the Jupyter web app sets them', () => {
    const f = files({ namespace: 'team-a' });
    const ann = (n: string) => notebookOf(f.get(`${NOTEBOOK_DIR}/${n}.yaml`)!).nb.metadata.annotations;
    assert.deepEqual(ann('jupyterlab-cpu'), { 'notebooks.kubeflow.org/server-type': 'jupyter' });
    assert.equal(ann('codeserver')['notebooks.kubeflow.org/server-type'], 'group-one');
    assert.equal(ann('codeserver')['notebooks.kubeflow.org/http-rewrite-uri'], '/');
    assert.deepEqual(JSON.parse(ann('rstudio')['notebooks.kubeflow.org/http-headers-request-set']!), {
      'X-RStudio-Root-Path': '/notebook/team-a/rstudio/',
    });
  });

  test('k8s names are DNS-1123 labels', () => {
    assert.equal(k8sName('jupyterlab-cpu'), 'jupyterlab-cpu');
    assert.equal(k8sName('py3.12_base'), 'py3-12-base');
  });

  test('writes into --out, is idempotent, prunes stale notebooks, and --check reports drift', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfc-kubeflow-'));
    dirs.push(dir);
    const out = renderKubeflow(catalog).files;
    mkdirSync(join(dir, NOTEBOOK_DIR), { recursive: true });
    writeFileSync(join(dir, NOTEBOOK_DIR, 'old-image.yaml'), 'stale\n');
    writeFileSync(join(dir, 'README.md'), 'kept\n');
    const first = writeFolder(dir, out, [NOTEBOOK_DIR]);
    // The spawner config, 4 Notebooks, and 3 WorkspaceKinds with their example Workspaces (v2/).
    assert.equal(first.written.length, 11);
    assert.deepEqual(first.removed, [`${NOTEBOOK_DIR}/old-image.yaml`]);
    assert.ok(existsSync(join(dir, 'README.md')), 'files kfc does not own are kept');
    assert.deepEqual(checkFolder(dir, out, [NOTEBOOK_DIR]), []);
    const second = writeFolder(dir, out, [NOTEBOOK_DIR]);
    assert.equal(second.written.length, 0);
    writeFileSync(join(dir, SPAWNER_FILE), readFileSync(join(dir, SPAWNER_FILE), 'utf8') + '# edit\n');
    assert.deepEqual(checkFolder(dir, out, [NOTEBOOK_DIR]), [
      { path: SPAWNER_FILE, kind: 'differs', firstDiff: 'line 32: -"" +"# edit"' },
    ]);
  });
});
