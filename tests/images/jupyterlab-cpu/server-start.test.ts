// What the Jupyter server does when it starts: JupyterLab reads its app version without starting
// Node.js (resources/jupyterlab/kfc_jupyterlab_version.py); AppOptions, which a user's
// `jupyter lab build` uses, still asks yarn. Its checkpoints survive a rename that races their listing
// (resources/jupyterlab/kfc_checkpoints.py).

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

// The race made certain: the checkpoint file vanishes between the existence check and the stat, as when
// JupyterLab renames a new notebook on its first save while it lists the old name's checkpoints.
const VANISHING_CHECKPOINT = [
  'import asyncio, json, os, tempfile',
  'from unittest import mock',
  'from jupyter_server.services.contents.filecheckpoints import AsyncFileCheckpoints',
  'from kfc_checkpoints import RenameSafeCheckpoints',
  'root = tempfile.mkdtemp()',
  'open(os.path.join(root, "a.ipynb"), "w").write("{}")',
  'out = {}',
  'for cls in (AsyncFileCheckpoints, RenameSafeCheckpoints):',
  '    with mock.patch("os.path.isfile", return_value=True):',
  '        try:',
  '            out[cls.__name__] = asyncio.run(cls(root_dir=root).list_checkpoints("a.ipynb"))',
  '        except FileNotFoundError:',
  '            out[cls.__name__] = "FileNotFoundError"',
  'print(json.dumps(out))',
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

  test('checkpoints: a rename racing their listing lists nothing, not a 500 (upstream still raises)', async () => {
    const config = await nb.exec(['jupyter', 'lab', '--show-config'], { workdir: '/tmp' });
    assert.equal(config.exitCode, 0, config.stderr);
    assert.match(config.stdout, /ContentsManager\n\s+\.checkpoints_class = '?kfc_checkpoints\.RenameSafeCheckpoints/);
    const r = await nb.exec(['python3', '-c', VANISHING_CHECKPOINT], { workdir: '/tmp' });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      AsyncFileCheckpoints: 'FileNotFoundError', // if this ever lists [], upstream fixed it: the module can go
      RenameSafeCheckpoints: [],
    });
  });
});
