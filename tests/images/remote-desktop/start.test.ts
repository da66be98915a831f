// remote-desktop shares the foundation's start.sh: its log (on stderr, LEVEL[time] lines), the hook
// folders and the renamed user apply here as in the Jupyter images (the general suites check them there;
// this image does not run them since it has no Jupyter server). The Jupyter start commands do not apply.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';
import { errors, LOG_LINE, logged, runStart, warnings } from '../general/start-run.ts';

describe('remote-desktop: the start log, hooks and a renamed user (docker-stacks semantics)', () => {
  let nb: Notebook;
  const hook = '/usr/local/bin/before-notebook.d/50-desktop-probe.sh';
  before(async () => {
    nb = await startNotebook({
      files: [{ path: hook, content: 'echo "hook uid=$(id -u)" > /tmp/desktop-hook.log\nexport KFC_DESKTOP_HOOK=1\n' }],
    });
  });
  after(async () => {
    await nb?.remove();
  });

  test('the desktop starts with its own command, hooks run, and the log has no WARNING or ERROR', async () => {
    const lines = (await nb.logs()).split('\n');
    assert.deepEqual([...warnings(lines), ...errors(lines)], [], lines.join('\n'));
    // CMD is start-remote-desktop.sh, not `start.sh start-remote-desktop.sh` (docker-stacks would warn).
    assert.ok(logged(lines, 'INFO').includes('Executing the command: start-remote-desktop.sh'), lines.join('\n'));
    assert.ok(logged(lines, 'INFO').includes(`Sourcing shell script: ${hook}`), lines.join('\n'));
    const ran = await nb.exec(['cat', '/tmp/desktop-hook.log']);
    assert.equal(ran.stdout.trim(), 'hook uid=1000', ran.stderr);
  });

  // Mirrors docker-stacks' test_user_options.py::test_log_stderr.
  test("a command's stdout is only its own; start.sh logs LEVEL[time] lines on stderr", async () => {
    const r = await runStart(['echo', 'stdout']);
    assert.equal(r.exitCode, 0, r.logs);
    assert.equal(r.stdout, 'stdout\n');
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.deepEqual(
      lines.filter((l) => !LOG_LINE.test(l)),
      [],
    );
    assert.equal(logged(lines, 'INFO')[0], 'Entered start.sh with args: echo stdout');
  });

  // Mirrors test_user_options.py::test_nb_user_change.
  test('NB_USER as root: the user is renamed, with /home/<name>/work and .jupyter owned by it', async () => {
    const r = await runStart(['bash', '-c', 'id; stat -c "%n %F %U %G" /home/nayvoj/work /home/nayvoj/.jupyter'], {
      user: 'root',
      env: { NB_USER: 'nayvoj', CHOWN_HOME: 'yes' },
    });
    assert.equal(r.exitCode, 0, r.logs);
    assert.ok(r.lines.includes('uid=1000(nayvoj) gid=100(users) groups=100(users)'), r.logs);
    assert.ok(r.lines.includes('/home/nayvoj/work directory nayvoj users'), r.logs);
    assert.ok(r.lines.includes('/home/nayvoj/.jupyter directory nayvoj users'), r.logs);
    assert.deepEqual([...warnings(r.lines), ...errors(r.lines)], []);
  });

  test('JUPYTER_DOCKER_STACKS_QUIET keeps only the command output', async () => {
    const r = await runStart(['echo', 'only-this'], { env: { JUPYTER_DOCKER_STACKS_QUIET: '1' } });
    assert.deepEqual(r.lines, ['only-this']);
  });
});
