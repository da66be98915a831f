import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { loadCatalog } from '../../src/catalog/load.ts';
import { renderKubeflow, SPAWNER_FILE } from '../../src/kubeflow/kubeflow.ts';
import { findingLine } from '../../src/kubeflow/kubeflow-findings.ts';
import { checkSpawnerConfig } from '../../src/kubeflow/kubeflow-spawner-contract.ts';
import { REPO_ROOT } from './helpers.ts';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/publish');
const FILE = 'deploy/kubeflow/spawner_ui_config.yaml';

function rendered(): Record<string, Record<string, unknown>> {
  const files = renderKubeflow(loadCatalog(FIXTURE, { readFiles: false })).files;
  return parse(files.find((f) => f.path === SPAWNER_FILE)!.content);
}

/** Every key the Jupyter web app reads, each in the shape its shipped config gives it (written for this test). */
function fullJwaConfig() {
  return {
    spawnerFormDefaults: {
      allowCustomImage: true,
      hideRegistry: true,
      hideTag: false,
      imagePullPolicy: { readOnly: false, value: 'IfNotPresent' },
      image: { value: 'reg.example/nb/lab:v1', options: ['reg.example/nb/lab:v1', 'reg.example/nb/torch:v1'] },
      imageGroupOne: { value: 'reg.example/nb/code:v1', options: ['reg.example/nb/code:v1'] },
      imageGroupTwo: { value: 'reg.example/nb/rstudio:v1', options: ['reg.example/nb/rstudio:v1'] },
      cpu: { readOnly: false, value: '0.5', limitFactor: '1.2' },
      memory: { readOnly: false, value: '1.0Gi', limitFactor: 'none' },
      gpus: {
        readOnly: false,
        value: { vendor: '', vendors: [{ limitsKey: 'nvidia.com/gpu', uiName: 'NVIDIA' }], num: 'none' },
      },
      workspaceVolume: {
        readOnly: false,
        value: {
          mount: '/home/jovyan',
          newPvc: {
            metadata: { name: '{notebook-name}-workspace' },
            spec: { resources: { requests: { storage: '5Gi' } }, accessModes: ['ReadWriteOnce'] },
          },
        },
      },
      dataVolumes: {
        readOnly: false,
        value: [{ mount: '/home/jovyan/data', existingSource: { persistentVolumeClaim: { claimName: 'shared' } } }],
      },
      affinityConfig: {
        readOnly: false,
        value: '',
        options: [
          {
            configKey: 'dedicated',
            displayName: 'Dedicated node',
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: 'lifecycle', operator: 'In', values: ['nb'] }] }],
                },
              },
            },
          },
        ],
      },
      tolerationGroup: {
        readOnly: false,
        value: '',
        options: [
          {
            groupKey: 'g1',
            displayName: 'Group 1',
            tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'nb', effect: 'NoSchedule' }],
          },
        ],
      },
      shm: { readOnly: false, value: true },
      configurations: { readOnly: false, value: ['my-pod-default'] },
      environment: { readOnly: false, value: {} },
    },
  };
}

function paths(doc: unknown) {
  return checkSpawnerConfig(doc, FILE).map((f) => `${f.path}: ${f.problem}`);
}

describe('spawner config vs the keys the Jupyter web app reads', () => {
  test('the generated config (fixture catalog) and the committed deploy/ config meet the contract', () => {
    assert.deepEqual(paths(rendered()), []);
    const committed = parse(readFileSync(join(REPO_ROOT, FILE), 'utf8'));
    assert.deepEqual(paths(committed), []);
  });

  test('every key JWA reads, in its shipped shapes, passes: the contract is not narrower than JWA', () => {
    assert.deepEqual(paths(fullJwaConfig()), []);
  });

  test('unknown keys are errors with their key path, at any depth', () => {
    const doc = rendered();
    const d = doc.spawnerFormDefaults as Record<string, Record<string, unknown>>;
    d.imageVSCode = { value: 'x', options: ['x'] }; // the pre-1.6 name JWA no longer reads
    (d.gpus!.value as Record<string, unknown>).count = 1;
    (doc as Record<string, unknown>).spawnerDefaults = {};
    assert.deepEqual(paths(doc).sort(), [
      'spawnerDefaults: unknown key',
      'spawnerFormDefaults.gpus.value.count: unknown key',
      'spawnerFormDefaults.imageVSCode: unknown key',
    ]);
    const line = findingLine(checkSpawnerConfig(doc, FILE).find((f) => f.path.endsWith('imageVSCode'))!);
    assert.equal(
      line,
      'kfc: error: deploy/kubeflow/spawner_ui_config.yaml: spawnerFormDefaults.imageVSCode: unknown key ' +
        '(fix: remove it: the Jupyter web app does not read it)',
    );
  });

  test('wrong value shapes are errors at the value', () => {
    const doc = rendered();
    const d = doc.spawnerFormDefaults as Record<string, Record<string, unknown>>;
    (d as Record<string, unknown>).allowCustomImage = 'yes';
    d.image!.options = 'reg.example/nb/lab:v1';
    d.imagePullPolicy!.value = 'Sometimes';
    d.imageGroupTwo!.value = 'not-offered:v1';
    const got = paths(doc);
    assert.ok(got.includes('spawnerFormDefaults.allowCustomImage: Expected boolean, received string'), got.join('\n'));
    assert.ok(got.includes('spawnerFormDefaults.image.options: Expected array, received string'), got.join('\n'));
    assert.ok(
      got.some((p) => p.startsWith('spawnerFormDefaults.imagePullPolicy.value: Invalid enum value')),
      got.join('\n'),
    );
    assert.ok(got.includes('spawnerFormDefaults.imageGroupTwo.value: value is not one of the options'), got.join('\n'));
  });

  test('JWA-read semantics: gpu vendor among the vendors, num a count string, limitFactor a number or none', () => {
    const doc = fullJwaConfig();
    const d = doc.spawnerFormDefaults;
    d.gpus.value.vendor = 'amd.com/gpu';
    (d.gpus.value as Record<string, unknown>).num = 1;
    d.cpu.limitFactor = 'double';
    assert.deepEqual(paths(doc).sort(), [
      'spawnerFormDefaults.cpu.limitFactor: must be a number as a string, or "none"',
      'spawnerFormDefaults.gpus.value.num: Expected string, received number',
    ]);
    (d.gpus.value as Record<string, unknown>).num = '1';
    d.cpu.limitFactor = '1.5';
    assert.deepEqual(paths(doc), [
      'spawnerFormDefaults.gpus.value.vendor: vendor is not the limitsKey of one of the vendors',
    ]);
  });

  test('nested Kubernetes objects are checked with the Kubernetes schemas, at their own paths', () => {
    const doc = fullJwaConfig();
    const d = doc.spawnerFormDefaults;
    (d.workspaceVolume.value.newPvc.spec.accessModes as unknown) = 'ReadWriteOnce';
    (d.tolerationGroup.options[0]!.tolerations[0] as Record<string, unknown>).tolerationSeconds = 'soon';
    (d.dataVolumes.value[0] as Record<string, unknown>).newPvc = { spec: {} };
    const got = paths(doc);
    assert.ok(
      got.includes(
        'spawnerFormDefaults.workspaceVolume.value.newPvc.spec.accessModes: ' +
          'must be array (Kubernetes PersistentVolumeClaim)',
      ),
      got.join('\n'),
    );
    assert.ok(
      got.some((p) => p.startsWith('spawnerFormDefaults.tolerationGroup.options[0].tolerations[0].tolerationSeconds:')),
      got.join('\n'),
    );
    assert.ok(
      got.includes('spawnerFormDefaults.dataVolumes.value[0]: needs exactly one of newPvc and existingSource'),
      got.join('\n'),
    );
  });
});
