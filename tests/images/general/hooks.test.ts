// docker-stacks start hooks in a Kubeflow-style start (default user jovyan): start-notebook.d and
// before-notebook.d run in order, *.sh are sourced (their exports reach the server), executables
// are run, a failing hook is logged and the start goes on, non-executables are ignored.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';
import { expectedHookLog, HOOK_LOG, hookFiles } from './hooks.ts';

describe('general: start hooks (default user)', () => {
  let nb: Notebook;
  before(async () => {
    nb = await startNotebook({ files: hookFiles });
    console.log(`# start-to-ready with hooks ${nb.readyMs} ms`);
  });
  after(async () => {
    await nb?.remove();
  });

  test('start-notebook.d then before-notebook.d ran as jovyan, in order', async () => {
    const r = await nb.exec(['cat', HOOK_LOG]);
    assert.equal(r.exitCode, 0, `no hook ran (${HOOK_LOG} missing): ${r.stderr}\n${await nb.logs()}`);
    assert.deepEqual(r.stdout.split('\n').filter(Boolean), expectedHookLog(1000, 1000));
  });

  test('variables exported by sourced *.sh hooks reach the server', async () => {
    const server = await nb.serverProcess();
    assert.equal(server.env.KFC_HOOK_START, 'sourced');
    assert.equal(server.env.KFC_HOOK_BEFORE, 'sourced');
  });

  test('a failing hook is logged and the server still starts', async () => {
    const logs = await nb.logs();
    assert.match(logs, /20-kfc-failing.*fail/i, `the failing hook is not reported in the logs:\n${logs}`);
    assert.equal((await nb.get('/api/status')).status, 200);
  });
});
