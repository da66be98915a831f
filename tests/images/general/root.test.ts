// docker-stacks semantics when the container is started as root: the user is refitted to
// NB_UID/NB_GID, CHOWN_HOME gives it the home, GRANT_SUDO gives passwordless sudo, the server
// drops to that user, hooks run (start-notebook.d as the starting user, before-notebook.d as root).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';
import { expectedHookLog, HOOK_LOG, hookFiles } from './hooks.ts';

describe('general: started as root with NB_UID/NB_GID/GRANT_SUDO/CHOWN_HOME', () => {
  let nb: Notebook;
  before(async () => {
    nb = await startNotebook({
      user: 'root',
      env: { NB_UID: '1010', NB_GID: '1020', GRANT_SUDO: 'yes', CHOWN_HOME: 'yes' },
      files: hookFiles,
    });
    console.log(`# start-to-ready as root with a uid refit ${nb.readyMs} ms`);
  });
  after(async () => {
    await nb?.remove();
  });

  test('the server runs as NB_UID:NB_GID, a member of users (100), named jovyan', async () => {
    const server = await nb.serverProcess();
    assert.equal(server.uid, 1010, `server uid (${server.args})`);
    assert.equal(server.gid, 1020, `server gid (${server.args})`);
    assert.ok(server.groups.includes(100), `server groups ${server.groups.join(',')} lack users (100)`);
    const name = await nb.exec(['id', '-nu', '1010']);
    assert.equal(name.stdout.trim(), 'jovyan', name.stderr);
    assert.equal(server.env.HOME, '/home/jovyan');
  });

  test("CHOWN_HOME gives the home to NB_UID:NB_GID and the seeded files are the user's", async () => {
    const r = await nb.exec(['stat', '-c', '%u:%g', '/home/jovyan'], { user: '0' });
    assert.equal(r.stdout.trim(), '1010:1020');
    const w = await nb.exec(['bash', '-c', 'touch ~/kfc-probe && stat -c %u ~/kfc-probe && rm ~/kfc-probe'], {
      user: '1010:1020',
    });
    assert.equal(w.exitCode, 0, w.stderr);
    const seeded = await nb.exec(['stat', '-c', '%u', '/home/jovyan/.bashrc'], { user: '0' });
    assert.equal(seeded.stdout.trim(), '1010', 'seeded ~/.bashrc is not owned by NB_UID');
  });

  test('GRANT_SUDO=yes gives passwordless sudo', async () => {
    const r = await nb.exec(['sudo', '-n', 'id', '-u'], { user: '1010:1020' });
    assert.equal(r.exitCode, 0, `sudo -n failed: ${r.stderr}`);
    assert.equal(r.stdout.trim(), '0');
    // ...and $CONDA_DIR/bin stays first on sudo's PATH (docker-stacks' secure_path).
    const path = await nb.exec(['sudo', '-n', 'sh', '-c', 'echo $PATH'], { user: '1010:1020' });
    assert.match(path.stdout, /^\/opt\/conda\/bin:/, path.stdout + path.stderr);
  });

  test('hooks: start-notebook.d as the starting user (root), before-notebook.d as root', async () => {
    const r = await nb.exec(['cat', HOOK_LOG], { user: '0' });
    assert.equal(r.exitCode, 0, `no hook ran: ${r.stderr}`);
    assert.deepEqual(r.stdout.split('\n').filter(Boolean), expectedHookLog(0, 0));
    const server = await nb.serverProcess();
    assert.equal(server.env.KFC_HOOK_BEFORE, 'sourced', 'exports of before-notebook.d/*.sh must reach the server');
  });

  test('the Jupyter API answers as the refitted user', async () => {
    const r = await nb.get('/api/contents');
    assert.equal(r.status, 200, r.text);
    const names = (JSON.parse(r.text) as { content: Array<{ name: string }> }).content.map((c) => c.name);
    assert.ok(Array.isArray(names));
  });
});
