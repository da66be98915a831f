// Kubeflow Notebooks 2.0 output of `kfc kubeflow`: the WorkspaceKinds and example Workspaces generated from the
// fixture catalog, checked against the project's regenerated CRDs and the ported webhook/CEL rules; each kind of
// bad input (catalog or hand edit) is one finding or one error line naming where.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { loadCatalog } from '../../src/catalog/load.ts';
import { suiteDirs } from '../../src/catalog/suites.ts';
import { KfcError } from '../../src/errors.ts';
import { renderGoTemplate, workspaceConnectPath } from '../../src/kubeflow/go-template.ts';
import { renderKubeflow } from '../../src/kubeflow/kubeflow.ts';
import type { KubeflowFinding } from '../../src/kubeflow/kubeflow-findings.ts';
import { checkV2Files } from '../../src/kubeflow/workspace-check.ts';
import { loadWorkspaceCrds } from '../../src/kubeflow/workspace-crd.ts';
import { connectionsScript } from '../../src/kubeflow/workspacekinds.ts';
import { firstLineDiff } from '../../src/outputs/folder.ts';
import { cleanup, copyFixture, REPO_ROOT, runKfc, tempDir } from './helpers.ts';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/publish');
const catalog = loadCatalog(FIXTURE, { readFiles: false });
const crds = loadWorkspaceCrds(join(REPO_ROOT, 'deploy/kubeflow/crd'));
const files = renderKubeflow(catalog).files.filter((f) => f.path.startsWith('v2/'));
// biome-ignore lint/suspicious/noExplicitAny: generated documents, edited in place by the cases below
type Doc = Record<string, any>;
const docsOf = (path: string): Doc[] =>
  parseAllDocuments(files.find((f) => f.path === path)!.content).map((d) => d.toJS() as Doc);
const check = (kind: Doc, workspace?: Doc): KubeflowFinding[] =>
  checkV2Files(
    [
      { path: 'v2/jupyterlab.yaml', content: stringify(kind) },
      ...(workspace ? [{ path: 'v2/workspaces/jupyterlab.yaml', content: stringify(workspace) }] : []),
    ],
    (p) => p,
    crds,
  );
const lines = (fs: KubeflowFinding[]) => fs.map((f) => `${f.path}: ${f.problem}`);

describe('kfc kubeflow: Notebooks 2.0 WorkspaceKinds', () => {
  test('one WorkspaceKind and one example Workspace per kind, all valid against the CRDs and rules', () => {
    assert.ok(crds, 'deploy/kubeflow/crd holds the WorkspaceKind and Workspace CRDs');
    assert.deepEqual(
      files.map((f) => f.path),
      [
        'v2/code-server.yaml',
        'v2/jupyterlab.yaml',
        'v2/rstudio.yaml',
        'v2/workspaces/code-server.yaml',
        'v2/workspaces/jupyterlab.yaml',
        'v2/workspaces/rstudio.yaml',
      ],
    );
    assert.deepEqual(
      checkV2Files(files, (p) => p, crds),
      [],
    );
  });

  test('the jupyterlab kind: NB_PREFIX from httpPathPrefix, probes on the health path, tags and redirects', () => {
    const [wk] = docsOf('v2/jupyterlab.yaml') as [Doc];
    const pt = wk.spec.podTemplate;
    const env = pt.extraEnv.find((e: Doc) => e.name === 'NB_PREFIX');
    assert.equal(env.value, '{{ httpPathPrefix "jupyterlab" }}');
    assert.equal(
      renderGoTemplate(env.value, (id) => workspaceConnectPath('ns', 'ws', id)),
      '/workspace/connect/ns/ws/jupyterlab/',
    );
    assert.equal(pt.volumeMounts.home, '/home/jovyan');
    assert.deepEqual(pt.activityProbe.jupyter, { lastActivity: true, portId: 'jupyterlab' });
    assert.match(
      pt.probes.readinessProbe.exec.command[2],
      /"http:\/\/127\.0\.0\.1:8888\$\{NB_PREFIX%\/\}\/api\/status"/,
    );
    const values = pt.options.imageConfig.values as Doc[];
    assert.deepEqual(
      values.map((v) => [v.id, v.spec.image, v.spawner.hidden ?? false, v.redirect?.to ?? '']),
      [
        ['jupyterlab-cpu:v1', 'ghcr.io/example/kfc/jupyterlab-cpu:v1', false, ''],
        ['jupyterlab-cpu:latest', 'ghcr.io/example/kfc/jupyterlab-cpu:latest', true, 'jupyterlab-cpu:v1'],
        ['jupyterlab-pytorch:v1', 'ghcr.io/example/kfc/jupyterlab-pytorch:v1', false, ''],
      ],
    );
    assert.equal(pt.options.imageConfig.spawner.default, 'jupyterlab-cpu:v1');
    const gpu = (pt.options.podConfig.values as Doc[]).find((v) => v.id === 'gpu');
    assert.deepEqual(gpu?.spec.resources, {
      requests: { cpu: '2', memory: '8Gi' },
      limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': 1 },
    });
  });

  test('v1 Notebooks read the same pod sizes from the catalog', () => {
    const nb = renderKubeflow(catalog).files.find((f) => f.path === 'notebooks/jupyterlab-pytorch.yaml')!;
    const notebook = parseAllDocuments(nb.content)[1]!.toJS() as Doc;
    assert.deepEqual(notebook.spec.template.spec.containers[0].resources.limits, {
      cpu: '4',
      memory: '16Gi',
      'nvidia.com/gpu': 1,
    });
  });

  test('an unknown field and a wrongly typed field fail with their JSON paths', () => {
    const [wk] = docsOf('v2/jupyterlab.yaml') as [Doc];
    wk.spec.podTemplate.volumeMount = wk.spec.podTemplate.volumeMounts;
    wk.spec.podTemplate.activityProbe.minProbeIntervalSeconds = '300';
    wk.spec.podTemplate.ports[0].protocol = 'TCP';
    assert.deepEqual(lines(check(wk)), [
      'WorkspaceKind.spec.podTemplate.volumeMount: field not in the WorkspaceKind CRD schema (WorkspaceKind CRD)',
      'WorkspaceKind.spec.podTemplate.activityProbe.minProbeIntervalSeconds: must be integer (WorkspaceKind CRD)',
      'WorkspaceKind.spec.podTemplate.ports[0].protocol: must be one of HTTP (WorkspaceKind CRD)',
    ]);
  });

  test('references to missing imageConfig or podConfig ids fail (the webhooks, ported)', () => {
    const [wk] = docsOf('v2/jupyterlab.yaml') as [Doc];
    const ws = docsOf('v2/workspaces/jupyterlab.yaml')[1]!;
    const opts = wk.spec.podTemplate.options;
    opts.podConfig.spawner.default = 'huge';
    opts.imageConfig.values[1].redirect.to = 'jupyterlab-cpu:v0';
    ws.spec.podTemplate.options.imageConfig = 'jupyterlab-cpu:v9';
    ws.spec.podTemplate.options.podConfig = 'huge';
    assert.deepEqual(lines(check(wk, ws)), [
      'WorkspaceKind.spec.podTemplate.options.imageConfig.values[1].redirect.to: target imageConfig ' +
        '"jupyterlab-cpu:v0" does not exist (value "jupyterlab-cpu:latest") (workspacekind_webhook.go:785-807)',
      'WorkspaceKind.spec.podTemplate.options.podConfig.spawner.default: default podConfig "huge" not found ' +
        '(workspacekind_webhook.go:738-750)',
      'Workspace.spec.podTemplate.options.imageConfig: imageConfig with id "jupyterlab-cpu:v9" not found in ' +
        'workspace kind "jupyterlab" (workspace_webhook.go:234-256)',
      'Workspace.spec.podTemplate.options.podConfig: podConfig with id "huge" not found in workspace kind ' +
        '"jupyterlab" (workspace_webhook.go:260-280)',
    ]);
  });

  test('a redirect cycle, an unknown port id, a bad template and the CEL rules fail', () => {
    const [wk] = docsOf('v2/jupyterlab.yaml') as [Doc];
    const pt = wk.spec.podTemplate;
    const values = pt.options.imageConfig.values;
    values[0].redirect = { to: 'jupyterlab-cpu:latest' };
    values[2].spec.ports[0].id = 'lab';
    pt.extraEnv[0].value = '{{ .Namespace }}';
    wk.spec.spawner.icon.configMap = { name: 'icons', namespace: 'kubeflow', key: 'a.svg', mediaType: 'image/svg+xml' };
    pt.activityProbe.podExec = { script: 'echo no shebang' };
    assert.deepEqual(lines(check(wk)), [
      "WorkspaceKind.spec.spawner.icon: must specify exactly one of 'url' or 'configMap' (workspacekind_types.go:190)",
      "WorkspaceKind.spec.podTemplate.activityProbe: must specify exactly one of 'podExec' or 'jupyter' " +
        '(workspacekind_types.go:369)',
      'WorkspaceKind.spec.podTemplate.extraEnv[0].value: unsupported template action {{ .Namespace }} ' +
        '(only httpPathPrefix "<portId>") (workspacekind_webhook.go:613-635)',
      'WorkspaceKind.spec.podTemplate.options.imageConfig.values[0].redirect.to: imageConfig redirect cycle ' +
        'detected: jupyterlab-cpu:v1 -> jupyterlab-cpu:latest -> jupyterlab-cpu:v1 (workspacekind_webhook.go:785-807)',
      'WorkspaceKind.spec.podTemplate.options.imageConfig.values[1].redirect.to: imageConfig redirect cycle ' +
        'detected: jupyterlab-cpu:latest -> jupyterlab-cpu:v1 -> jupyterlab-cpu:latest ' +
        '(workspacekind_webhook.go:785-807)',
      'WorkspaceKind.spec.podTemplate.options.imageConfig.values[2].spec.ports[0].id: "lab" is missing from ' +
        'spec.podTemplate.ports (workspacekind_webhook.go:765-770)',
      "WorkspaceKind.spec.podTemplate.activityProbe.podExec.script: script shebang is invalid (e.g., '#!/bin/bash') " +
        '(workspacekind_webhook.go:845-850)',
    ]);
  });
});

describe('kfc kubeflow: bad catalog input is one error line naming the image and field', () => {
  const withCatalog = (edit: (s: string) => string) => {
    const dir = copyFixture(FIXTURE);
    dirs.push(dir);
    const p = join(dir, 'images.yaml');
    writeFileSync(p, edit(readFileSync(p, 'utf8')));
    return loadCatalog(dir, { readFiles: false });
  };
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) cleanup(d);
  });
  const failure = (c: ReturnType<typeof loadCatalog>) => {
    try {
      renderKubeflow(c);
    } catch (e) {
      assert.ok(e instanceof KfcError, String(e));
      return `${e.message} @ ${e.where}`;
    }
    assert.fail('renderKubeflow accepted the catalog');
  };

  test('an image with no port', () => {
    const c = withCatalog((s) => s.replace('    port: 8888\n', ''));
    assert.match(failure(c), /^image "jupyterlab-cpu" has no port \(images\.jupyterlab-cpu\.port\) @ .*images\.yaml$/);
  });

  test('a health path outside the prefix', () => {
    const c = withCatalog((s) =>
      s.replace(
        '    spawner: { group: jupyter }',
        '    spawner: { group: jupyter }\n    test: { ready: /../api/status }',
      ),
    );
    assert.match(
      failure(c),
      new RegExp(
        /^image "jupyterlab-cpu": health path "\/\.\.\/api\/status" is outside its prefix @ /.source +
          /.*images\.yaml: images\.jupyterlab-cpu\.test\.ready$/.source,
      ),
    );
  });

  test('a redirect of an image that is not published', () => {
    const c = withCatalog((s) =>
      s.replace('{ image: jupyterlab-cpu, from: latest', '{ image: foundation, from: latest'),
    );
    assert.match(failure(c), /^kubeflow\.redirects\[0\]\.image: "foundation" is not a published image/);
  });

  test('a hand edit fails kfc kubeflow --check with the first differing line', async () => {
    const dir = copyFixture(FIXTURE);
    dirs.push(dir);
    assert.equal((await runKfc(dir, ['kubeflow'])).code, 0);
    const p = join(dir, 'deploy/kubeflow/v2/jupyterlab.yaml');
    writeFileSync(p, readFileSync(p, 'utf8').replace('      home: /home/jovyan', '      home: /home/me'));
    const res = await runKfc(dir, ['kubeflow', '--check']);
    assert.notEqual(res.code, 0);
    assert.match(
      res.stdout,
      /^differs v2\/jupyterlab\.yaml: line \d+: -" {6}home: \/home\/jovyan" \+" {6}home: \/home\/me"$/m,
    );
    assert.match(res.stderr, /kfc: error: .*deploy\/kubeflow is out of date \(1 file\(s\)\)/);
  });
});

describe('pieces', () => {
  test('renderGoTemplate: httpPathPrefix calls, trims, and refuses anything else', () => {
    const f = (id: string) => `/p/${id}/`;
    assert.equal(renderGoTemplate('{{ httpPathPrefix "a" }}', f), '/p/a/');
    assert.equal(renderGoTemplate('x {{- httpPathPrefix `b` -}} y', f), 'x/p/b/y');
    assert.equal(renderGoTemplate('plain', f), 'plain');
    assert.throws(() => renderGoTemplate('{{ env "HOME" }}', f), /unsupported template action/);
    assert.throws(() => renderGoTemplate('{{ httpPathPrefix "a"', f), /unbalanced braces/);
  });

  test('firstLineDiff names the first differing line', () => {
    assert.equal(firstLineDiff('a\nb\nc\n', 'a\nB\nc\n'), 'line 2: -"b" +"B"');
    assert.equal(firstLineDiff('a\n', 'a\nextra\n'), 'line 2: -"" +"extra"');
    assert.equal(firstLineDiff('a\nb', 'a'), 'line 2: -"b" +(end of file)');
  });

  test('the connections activity script: active exactly while a client holds a connection', async () => {
    const server = createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const dir = tempDir('kfc-activity-');
    const script = join(dir, 'probe');
    writeFileSync(script, connectionsScript(port), { mode: 0o755 });
    const run = async () => {
      const out = join(dir, 'out.json');
      await promisify(execFile)(script, [], { env: { ...process.env, OUTPUT_JSON_PATH: out } });
      return JSON.parse(readFileSync(out, 'utf8')) as { has_activity: boolean };
    };
    try {
      assert.deepEqual(await run(), { has_activity: false });
      const client: Socket = connect(port, '127.0.0.1');
      await new Promise((r) => client.once('connect', r));
      assert.deepEqual(await run(), { has_activity: true });
      client.destroy();
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await run(), { has_activity: false });
    } finally {
      server.close();
      cleanup(dir);
    }
  });
});

describe('the v2 suite is attached to every published image', () => {
  test('suiteDirs adds kubeflow-v2 for published images only', () => {
    assert.ok(suiteDirs(catalog.nodes.get('jupyterlab-cpu')!).includes('kubeflow-v2'));
    assert.ok(suiteDirs(catalog.nodes.get('rstudio')!).includes('kubeflow-v2'));
    assert.ok(!suiteDirs(catalog.nodes.get('foundation')!).includes('kubeflow-v2'));
  });
});
