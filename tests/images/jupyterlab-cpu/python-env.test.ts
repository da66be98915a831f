// jupyterlab-cpu's Python environment: $CONDA_DIR is a venv over Debian's python3 that sees its own
// packages (from the Python Package Index, hash-locked) and the user's site on the home volume, never
// Debian's dist-packages (a user's `pip install` must not fight dpkg). uv is there for users too.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';

describe('jupyterlab-cpu: the $CONDA_DIR Python environment', () => {
  let nb: Notebook;
  before(async () => {
    nb = await startNotebook();
  });
  after(async () => {
    await nb?.remove();
  });

  test("python3 on PATH is $CONDA_DIR's, Python 3.13, and sees no Debian dist-packages", async () => {
    const r = await nb.exec([
      'python3',
      '-c',
      'import json, sys, site; print(json.dumps([sys.prefix, sys.version, sys.path, site.ENABLE_USER_SITE]))',
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    const [prefix, version, path, userSite] = JSON.parse(r.stdout) as [string, string, string[], boolean];
    assert.equal(prefix, '/opt/conda');
    assert.match(version, /^3\.13\./);
    assert.deepEqual(
      path.filter((p) => p.includes('dist-packages')),
      [],
      `sys.path: ${path.join(' ')}`,
    );
    const user = path.indexOf('/home/jovyan/.local/lib/python3.13/site-packages');
    assert.ok(user >= 0, `no user site: ${path.join(' ')}`);
    assert.equal(userSite, true);
    // The user's site comes first, so a package they upgraded with `pip install --user` wins.
    assert.ok(
      user < path.indexOf('/opt/conda/lib/python3.13/site-packages'),
      `user site after the venv's: ${path.join(' ')}`,
    );
    // Debian's tools bring a few modules of their own (node-gyp's gyp): invisible here.
    const gyp = await nb.exec(['python3', '-c', 'import gyp']);
    assert.notEqual(gyp.exitCode, 0, "Debian's gyp module is importable from $CONDA_DIR");
  });

  test('the locked packages are installed at their locked versions (pip check is clean)', async () => {
    const check = await nb.exec(['python3', '-m', 'pip', 'check']);
    assert.equal(check.exitCode, 0, `${check.stdout}${check.stderr}`);
    const versions = await nb.exec([
      'python3',
      '-c',
      'import jupyterlab, notebook, numpy, pandas; ' +
        'print(jupyterlab.__version__, notebook.__version__, numpy.__version__, pandas.__version__)',
    ]);
    assert.equal(versions.exitCode, 0, versions.stderr);
    const [lab, notebook] = versions.stdout.trim().split(' ');
    assert.match(lab ?? '', /^4\./);
    assert.match(notebook ?? '', /^7\./);
  });

  test('uv is on PATH for users, and pip installs go to the user site by default', async () => {
    const uv = await nb.exec(['uv', '--version']);
    assert.equal(uv.exitCode, 0, uv.stderr);
    assert.match(uv.stdout, /^uv \d+\./);
    const user = await nb.exec(['python3', '-m', 'pip', 'config', 'get', 'install.user']);
    assert.equal(user.stdout.trim(), 'true', user.stderr);
  });

  test('jupyterhub-singleuser is there, for JupyterHub spawners', async () => {
    const r = await nb.exec(['jupyterhub-singleuser', '--version']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout.trim(), /^5\./);
  });
});
