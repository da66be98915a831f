// What the Jupyter server does when it starts: JupyterLab reads its app version without starting
// Node.js (resources/jupyterlab/kfc_jupyterlab_version.py); AppOptions, which a user's
// `jupyter lab build` uses, still asks yarn. Its checkpoints and folder listings survive a rename that
// races them (resources/jupyterlab/kfc_contents.py).

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

// The races made certain, upstream's class against ours: the checkpoint file vanishes between the existence
// check and the stat; a folder entry vanishes between its stat and its model (what JupyterLab's rename of a
// new notebook on its first save does to a listing running at that moment).
const VANISHING_ENTRIES = [
  'import asyncio, json, os, tempfile',
  'from unittest import mock',
  'from jupyter_server.services.contents.filecheckpoints import AsyncFileCheckpoints',
  'from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager',
  'from kfc_contents import RenameSafeCheckpoints, RenameSafeContentsManager',
  'root = tempfile.mkdtemp()',
  'for name in ("a.ipynb", "b.txt"):',
  '    open(os.path.join(root, name), "w").write("{}")',
  'out = {}',
  'for cls in (AsyncFileCheckpoints, RenameSafeCheckpoints):',
  '    with mock.patch("os.path.isfile", return_value=True):',
  '        try:',
  '            out[cls.__name__] = asyncio.run(cls(root_dir=root).list_checkpoints("a.ipynb"))',
  '        except FileNotFoundError:',
  '            out[cls.__name__] = "FileNotFoundError"',
  'for cls in (AsyncLargeFileManager, RenameSafeContentsManager):',
  '    open(os.path.join(root, "a.ipynb"), "w").write("{}")',
  '    cm = cls(root_dir=root)',
  '    entry_model = cm.get',
  '    async def renamed_meanwhile(path, **kw):',
  '        if path.endswith("a.ipynb") and os.path.exists(os.path.join(root, "a.ipynb")):',
  '            os.rename(os.path.join(root, "a.ipynb"), os.path.join(root, "c.ipynb"))',
  '        return await entry_model(path, **kw)',
  '    cm.get = renamed_meanwhile',
  '    try:',
  '        listing = asyncio.run(cm._dir_model("", content=True))',
  '        out[cls.__name__] = sorted(e["name"] for e in listing["content"])',
  '    except Exception as e:',
  '        out[cls.__name__] = getattr(e, "status_code", type(e).__name__)',
  '    os.remove(os.path.join(root, "c.ipynb"))',
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

  test('a rename racing the checkpoints or a folder listing: no 500, no 404 (upstream still has both)', async () => {
    const config = await nb.exec(['jupyter', 'lab', '--show-config'], { workdir: '/tmp' });
    assert.equal(config.exitCode, 0, config.stderr);
    assert.match(config.stdout, /contents_manager_class = '?kfc_contents\.RenameSafeContentsManager/);
    assert.match(config.stdout, /checkpoints_class = '?kfc_contents\.RenameSafeCheckpoints/);
    const r = await nb.exec(['python3', '-c', VANISHING_ENTRIES], { workdir: '/tmp' });
    assert.equal(r.exitCode, 0, r.stderr);
    // If upstream ever answers these, it fixed the races and resources/jupyterlab/kfc_contents.py can go.
    assert.deepEqual(JSON.parse(r.stdout), {
      AsyncFileCheckpoints: 'FileNotFoundError',
      RenameSafeCheckpoints: [],
      AsyncLargeFileManager: 404,
      RenameSafeContentsManager: ['b.txt', 'c.ipynb'],
    });
  });
});
