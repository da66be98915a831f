// run-hooks.sh sourced directly (`source /usr/local/bin/run-hooks.sh DIR`), and start.sh's hook folders.
// Hooks' own output is on stdout, run-hooks.sh's log on stderr. Each test names the docker-stacks test it
// mirrors (jupyter/docker-stacks at 82093869, tests/by_image/docker-stacks-foundation/test_run_hooks.py).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContainerFile } from '../../../src/testing/container.ts';
import { errors, logged, runStart, warnings } from './start-run.ts';

const RUN = 'source /usr/local/bin/run-hooks.sh';
const D = '/tmp/hooks';

/** Hook files under D/<set>/ (a *.sh without mode is sourced; mode 0o755 makes an executable). */
function hooks(set: string, files: Record<string, string | { mode: number; content: string }>): ContainerFile[] {
  return Object.entries(files).map(([name, f]) =>
    typeof f === 'string'
      ? { path: `${D}/${set}/${name}`, content: f }
      : { path: `${D}/${set}/${name}`, content: f.content, mode: f.mode },
  );
}

async function source(set: string, files: ContainerFile[], after = '', prefix = '') {
  return runStart(['bash', '-c', `${prefix}${RUN} ${D}/${set}${after}`], { files });
}

describe('general: run-hooks.sh (docker-stacks semantics)', { concurrency: 4 }, () => {
  // Mirrors test_run_hooks_zero_args, test_run_hooks_two_args, test_run_hooks_missing_dir,
  // test_run_hooks_dir_is_file.
  test('zero or two arguments, a missing directory, a file: one ERROR line on stderr, status 1', async () => {
    for (const [args, message] of [
      ['', 'Should pass exactly one directory to run-hooks.sh (got 0 arguments)'],
      [' first-arg second-arg', 'Should pass exactly one directory to run-hooks.sh (got 2 arguments)'],
      [' /tmp/missing-dir/', "Directory /tmp/missing-dir/ doesn't exist or is not a directory (run-hooks.sh)"],
      [' /etc/passwd', "Directory /etc/passwd doesn't exist or is not a directory (run-hooks.sh)"],
    ] as const) {
      const r = await runStart(['bash', '-c', `${RUN}${args}; echo "status $?"`]);
      assert.equal(r.stdout, 'status 1\n', `run-hooks.sh${args}:\n${r.logs}`);
      assert.deepEqual(logged(r.lines, 'ERROR'), [message]);
      assert.equal(errors(r.lines).length, 1, r.logs);
    }
    const executed = await runStart(['bash', '/usr/local/bin/run-hooks.sh']);
    assert.equal(executed.exitCode, 1, `executed rather than sourced:\n${executed.logs}`);
  });

  // Mirrors test_run_hooks_empty_dir.
  test('an empty directory: logged, nothing on stdout, status 0', async () => {
    const r = await runStart(['bash', '-c', `mkdir /tmp/empty-dir && ${RUN} /tmp/empty-dir/`]);
    assert.equal(r.exitCode, 0, r.logs);
    assert.equal(r.stdout, '');
    const info = logged(r.lines, 'INFO');
    assert.ok(
      info.some((l) => l.startsWith('Running hooks in: /tmp/empty-dir/ as uid: 1000 gid: 100')),
      r.logs,
    );
    assert.ok(info.includes('Done running hooks in: /tmp/empty-dir/'), r.logs);
    assert.deepEqual([...warnings(r.lines), ...errors(r.lines)], []);
  });

  // Mirrors test_run_hooks_change and test_run_hooks_unset.
  test('*.sh hooks are sourced in name order: what one exports, changes or unsets, the next sees', async () => {
    const r = await source(
      'change',
      hooks('change', {
        'a.sh': 'export MY_VAR=123\necho "a: MY_VAR=${MY_VAR}"\n',
        'b.sh': 'echo "b: MY_VAR=${MY_VAR}"\nexport MY_VAR=456\nexport GONE=1\n',
        'c.sh': 'echo "c: MY_VAR=${MY_VAR}"\nunset GONE\ndeclare DECLARED=kept\n',
      }),
      '; echo "after: MY_VAR=${MY_VAR} GONE=${GONE:-unset} DECLARED=${DECLARED:-lost}"',
    );
    assert.equal(r.exitCode, 0, r.logs);
    assert.equal(r.stdout, 'a: MY_VAR=123\nb: MY_VAR=123\nc: MY_VAR=456\nafter: MY_VAR=456 GONE=unset DECLARED=kept\n');
    assert.deepEqual(
      logged(r.lines, 'INFO').filter((l) => l.startsWith('Sourcing shell script:')),
      ['a.sh', 'b.sh', 'c.sh'].map((f) => `Sourcing shell script: ${D}/change/${f}`),
    );
  });

  // Mirrors test_run_hooks_executables and test_run_hooks_sh_files.
  test('executables run, *.sh are sourced whatever their mode, other files are ignored', async () => {
    const r = await source(
      'exe',
      hooks('exe', {
        'a-executable.py': { mode: 0o755, content: '#!/usr/bin/env python3\nprint("python hook ran")\n' },
        'b-not-executable.py': { mode: 0o644, content: 'raise SystemExit("must not run")\n' },
        'c-executable.sh': { mode: 0o755, content: '#!/bin/bash\nexport FROM_EXECUTABLE_SH=0\n' },
        'd-plain.sh': { mode: 0o644, content: 'export FROM_PLAIN_SH=1\n' },
      }),
      '; echo "FROM_EXECUTABLE_SH=${FROM_EXECUTABLE_SH} FROM_PLAIN_SH=${FROM_PLAIN_SH}"',
    );
    assert.equal(r.exitCode, 0, r.logs);
    assert.equal(r.stdout, 'python hook ran\nFROM_EXECUTABLE_SH=0 FROM_PLAIN_SH=1\n');
    const info = logged(r.lines, 'INFO');
    assert.ok(info.includes(`Running executable: ${D}/exe/a-executable.py`), r.logs);
    assert.ok(info.includes(`Ignoring non-executable: ${D}/exe/b-not-executable.py`), r.logs);
    assert.ok(info.includes(`Sourcing shell script: ${D}/exe/c-executable.sh`), r.logs);
    assert.ok(info.includes(`Sourcing shell script: ${D}/exe/d-plain.sh`), r.logs);
  });

  // Mirrors test_run_hooks_failures.
  test('a failing hook is logged and the next runs; a hook that sets -e itself ends the shell', async () => {
    const r = await source(
      'fail',
      hooks('fail', {
        'a.sh': 'echo "Started: a.sh"\nexport OTHER_VAR=456\nno-such-command\necho "Finished: a.sh"\n',
        'b.py': {
          mode: 0o755,
          content:
            '#!/usr/bin/env python3\nimport os, sys\nprint("Started: b.py OTHER_VAR=" + os.environ["OTHER_VAR"])\n' +
            'sys.exit(1)\n',
        },
        'c.sh': 'echo "Started: c.sh"\nno-such-command\n',
        'd.sh': 'set -e\necho "Started: d.sh"\nno-such-command\necho "Finished: d.sh"\n',
        'e.sh': 'echo "Started: e.sh"\n',
      }),
      '; echo NOT-REACHED',
    );
    assert.notEqual(r.exitCode, 0, r.logs);
    assert.equal(
      r.stdout,
      'Started: a.sh\nFinished: a.sh\nStarted: b.py OTHER_VAR=456\nStarted: c.sh\nStarted: d.sh\n',
    );
    assert.deepEqual(logged(r.lines, 'ERROR'), [
      `${D}/fail/b.py has failed, continuing execution`,
      `${D}/fail/c.sh has failed, continuing execution`,
    ]);
  });

  test("the caller's shell options come back after the hooks, whatever a hook switched", async () => {
    const r = await source(
      'opts',
      hooks('opts', {
        'a.sh': 'echo "inside: $-"\nset -x\nset +o pipefail\n',
        'b.sh': 'echo "unset is fine here: ${NOT_SET_ANYWHERE}"\nfalse\n',
      }),
      '; echo "after: $-"; shopt -qo pipefail && echo pipefail-on',
      'set -euo pipefail; ',
    );
    assert.equal(r.exitCode, 0, r.logs);
    const [inside, unsetLine, after, pipefail] = r.stdout.split('\n');
    assert.doesNotMatch(inside?.replace('inside: ', '') ?? '', /[eu]/, 'hooks run with errexit and nounset off');
    assert.equal(unsetLine, 'unset is fine here: ');
    assert.match(after ?? '', /e/, r.logs);
    assert.match(after ?? '', /u/, r.logs);
    assert.doesNotMatch(after ?? '', /x/, 'set -x of a hook leaked to the caller');
    assert.equal(pipefail, 'pipefail-on');
    assert.deepEqual(logged(r.lines, 'ERROR'), [`${D}/opts/b.sh has failed, continuing execution`]);
  });

  // Mirrors test_start_sh_runs_before_notebook_hooks.
  test('start.sh sources a before-notebook.d hook as root when started as root, beside the built-in ones', async () => {
    const hook = '/usr/local/bin/before-notebook.d/99-test-hook.sh';
    const r = await runStart(['id', '-un'], {
      user: 'root',
      files: [{ path: hook, content: 'echo "hook ran as: $(id -un)"\n' }],
    });
    assert.equal(r.exitCode, 0, r.logs);
    assert.equal(r.stdout, 'hook ran as: root\njovyan\n');
    assert.ok(logged(r.lines, 'INFO').includes(`Sourcing shell script: ${hook}`), r.logs);
    assert.deepEqual([...warnings(r.lines), ...errors(r.lines)], []);
  });
});
