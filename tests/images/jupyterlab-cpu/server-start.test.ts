// What the Jupyter server does when it starts: JupyterLab reads its app version without starting
// Node.js (resources/jupyterlab/kfc_jupyterlab_version.py); AppOptions, which a user's
// `jupyter lab build` uses, still asks yarn.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';

// Records every child process Python starts (JupyterLab catches a failing one, so refusing would hide it).
const RECORD_CHILDREN = [
  'import json, subprocess',
  'children = []',
  'start = subprocess.Popen.__init__',
  'def record(self, args, *rest, **kwargs): children.append(list(map(str, args))); start(self, args, *rest, **kwargs)',
  'subprocess.Popen.__init__ = record',
].join('\n');
const IMPORT_LABAPP = [
  RECORD_CHILDREN,
  'import jupyterlab, jupyterlab.labapp',
  'print(json.dumps([jupyterlab.labapp.app_version, jupyterlab.__version__, children]))',
].join('\n');
const USER_APP_OPTIONS = [
  RECORD_CHILDREN,
  'from jupyterlab.commands import AppOptions, YARN_DEFAULT_REGISTRY',
  'registry = AppOptions().registry',
  'print(json.dumps([registry == YARN_DEFAULT_REGISTRY, children]))',
].join('\n');

describe('jupyterlab-cpu: the server start', () => {
  let nb: Notebook;
  before(async () => {
    nb = await startNotebook();
  });
  after(async () => {
    await nb?.remove();
  });

  test('jupyterlab.labapp imports without a child process and knows its app version', async () => {
    const r = await nb.exec(['python3', '-c', IMPORT_LABAPP], { workdir: '/tmp' });
    assert.equal(r.exitCode, 0, r.stderr);
    const [appVersion, version, children] = JSON.parse(r.stdout) as [string, string, string[][]];
    assert.deepEqual(children, [], 'jupyterlab.labapp started child processes at import');
    assert.match(appVersion, /^4\.\d+\.\d+/);
    assert.equal(appVersion, version);
  });

  test("AppOptions (a user's `jupyter lab build`) still asks yarn for the registry", async () => {
    const r = await nb.exec(['python3', '-c', USER_APP_OPTIONS], { workdir: '/tmp' });
    assert.equal(r.exitCode, 0, r.stderr);
    const [isDefault, children] = JSON.parse(r.stdout) as [boolean, string[][]];
    assert.equal(isDefault, true);
    assert.ok(
      children.some((args) => args.includes('config') && args.some((a) => a.endsWith('yarn.js'))),
      `no yarn config run: ${JSON.stringify(children)}`,
    );
  });
});
