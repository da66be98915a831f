// docker-stacks' start.sh options, each through the ENTRYPOINT with a plain command (no server:
// quick), checked the way docker-stacks' own tests check them (output of `id`, `stat`, logs).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createHomeVolume, imageInspect, removeVolume, testImage } from '../../../src/testing/container.ts';
import { errors, logged, runStart, warnings } from './start-run.ts';

const clean = (r: { lines: string[]; logs: string }) => {
  assert.deepEqual([...warnings(r.lines), ...errors(r.lines)], [], `WARNING/ERROR lines in:\n${r.logs}`);
};

describe('general: start.sh options (docker-stacks semantics)', { concurrency: 4 }, () => {
  test('ANY command goes through start.sh: -u root NB_UID=1010 bash -c id runs as 1010', async () => {
    const r = await runStart(['bash', '-c', 'id'], { user: 'root', env: { NB_UID: '1010' } });
    assert.equal(r.exitCode, 0, r.logs);
    assert.match(r.logs, /uid=1010\(jovyan\) gid=100\(users\) groups=100\(users\)/, r.logs);
    clean(r);
  });

  test('the ENTRYPOINT is tini -g -- start.sh', async () => {
    const info = await imageInspect(testImage());
    assert.deepEqual(info.Config.Entrypoint, ['tini', '-g', '--', 'start.sh']);
  });

  test('NB_GID and NB_GROUP: primary group renamed and renumbered, still in users (100)', async () => {
    const r = await runStart(['id'], { user: 'root', env: { NB_GID: '110', NB_GROUP: 'kfcgroup' } });
    assert.equal(r.exitCode, 0, r.logs);
    assert.match(r.logs, /uid=1000\(jovyan\) gid=110\(kfcgroup\) groups=110\(kfcgroup\),100\(users\)/, r.logs);
    clean(r);
  });

  test("NB_USER rename with CHOWN_HOME(-R): user, HOME, working dir and files are the new user's", async () => {
    const r = await runStart(
      [
        'bash',
        '-c',
        'id -un; echo "HOME=$HOME PWD=$PWD"; stat -c "%n:%u:%g" /home/kitten/.bashrc; touch ~/probe && echo WRITABLE',
      ],
      {
        user: 'root',
        env: { NB_USER: 'kitten', NB_UID: '1010', NB_GID: '101', CHOWN_HOME: 'yes', CHOWN_HOME_OPTS: '-R' },
      },
    );
    assert.equal(r.exitCode, 0, r.logs);
    assert.ok(r.lines.includes('kitten'), r.logs);
    assert.ok(r.lines.includes('HOME=/home/kitten PWD=/home/kitten'), r.logs);
    assert.ok(r.lines.includes('/home/kitten/.bashrc:1010:101'), r.logs);
    assert.ok(r.lines.includes('WRITABLE'), r.logs);
    clean(r);
  });

  // Mirrors docker-stacks' docker-stacks-foundation/test_user_options.py::test_nb_user_change and
  // base-notebook/test_container_options.py::test_nb_user_change (the ~/work and ~/.jupyter parts).
  test('NB_USER rename: /home/<name> with its work/ and .jupyter/, owned by the renamed user', async () => {
    const r = await runStart(
      ['bash', '-c', 'id; stat -c "%n %F %U %G" /home/nayvoj/ /home/nayvoj/work /home/nayvoj/.jupyter'],
      { user: 'root', env: { NB_USER: 'nayvoj', CHOWN_HOME: 'yes' } },
    );
    assert.equal(r.exitCode, 0, r.logs);
    assert.ok(r.lines.includes('uid=1000(nayvoj) gid=100(users) groups=100(users)'), r.logs);
    for (const d of ['/home/nayvoj/', '/home/nayvoj/work', '/home/nayvoj/.jupyter']) {
      assert.ok(r.lines.includes(`${d} directory nayvoj users`), `${d}:\n${r.logs}`);
    }
    assert.ok(logged(r.lines, 'INFO').includes('- username: jovyan       -> nayvoj'), r.logs);
    assert.ok(
      logged(r.lines, 'INFO').some((l) => l.startsWith('Running as nayvoj: bash -c')),
      r.logs,
    );
    clean(r);
  });

  test("the image's home has work/ and .jupyter/ (jovyan:users), where docker-stacks users mount data", async () => {
    const r = await runStart(['stat', '-c', '%n %F %U %G', '/home/jovyan/work', '/home/jovyan/.jupyter']);
    assert.equal(r.exitCode, 0, r.logs);
    assert.ok(r.lines.includes('/home/jovyan/work directory jovyan users'), r.logs);
    assert.ok(r.lines.includes('/home/jovyan/.jupyter directory jovyan users'), r.logs);
  });

  // docker-stacks users run the image's own home: a build step that wrote there as root (an import that
  // made ~/.config or ~/.cache) leaves jovyan unable to write its own config.
  test("everything in the image's home belongs to jovyan", async () => {
    const r = await runStart(['find', '/home/jovyan', '-xdev', '!', '-user', 'jovyan']);
    assert.equal(r.exitCode, 0, r.logs);
    assert.deepEqual(r.stdout.split('\n').filter(Boolean), [], `owned by another user:\n${r.stdout}`);
  });

  // Issue 24 (Kubeflow Notebooks 2.0 serves a workspace under /workspace/connect/<ns>/<workspace>/<port>/).
  test('NB_NAMESPACE comes from a v1 or a Notebooks 2.0 NB_PREFIX (or is kept when set)', async () => {
    const show = ['bash', '-c', 'echo "NB_NAMESPACE=${NB_NAMESPACE:-}"; cat ~/.config/kfp/context.json 2>&1 || true'];
    const cases: Array<[Record<string, string>, string]> = [
      [{ NB_PREFIX: '/workspace/connect/team-a/my-ws/jupyterlab/' }, 'team-a'],
      [{ NB_PREFIX: '/notebook/team-b/my-nb' }, 'team-b'],
      [{ NB_PREFIX: '/workspace/connect/team-a/my-ws/jupyterlab/', NB_NAMESPACE: 'given' }, 'given'],
      [{ NB_PREFIX: '/somewhere/else/' }, ''],
    ];
    for (const [env, ns] of cases) {
      const r = await runStart(show, { env });
      assert.equal(r.exitCode, 0, r.logs);
      assert.ok(r.lines.includes(`NB_NAMESPACE=${ns}`), `${JSON.stringify(env)}:\n${r.logs}`);
      if (ns) assert.ok(r.lines.includes(`{"namespace": "${ns}"}`), `${JSON.stringify(env)}:\n${r.logs}`);
      else assert.match(r.stdout, /No such file/, `a context.json without a namespace:\n${r.logs}`);
    }
  });

  test('NB_USER rename on a mounted home volume: the new home is the volume (linked, not copied)', async () => {
    const image = testImage();
    const volume = await createHomeVolume(image);
    try {
      const r = await runStart(['bash', '-c', 'readlink -f ~; echo data > ~/on-volume && echo WROTE'], {
        user: 'root',
        env: { NB_USER: 'kitten' },
        hostConfig: { Binds: [`${volume}:/home/jovyan`] },
      });
      assert.equal(r.exitCode, 0, r.logs);
      assert.ok(r.lines.includes('/home/jovyan'), `HOME does not resolve to the volume:\n${r.logs}`);
      assert.ok(r.lines.includes('WROTE'), r.logs);
      const check = await runStart(['cat', '/home/jovyan/on-volume'], {
        hostConfig: { Binds: [`${volume}:/home/jovyan`] },
      });
      assert.ok(check.lines.includes('data'), `the file is not on the volume:\n${check.logs}`);
      clean(r);
    } finally {
      await removeVolume(volume);
    }
  });

  test('CHOWN_EXTRA with CHOWN_EXTRA_OPTS=-R', async () => {
    const r = await runStart(['stat', '-c', '%n:%u:%g', '/home/jovyan/.bashrc', '/usr/local/bin/before-notebook.d'], {
      user: 'root',
      env: {
        NB_UID: '1010',
        NB_GID: '101',
        CHOWN_EXTRA: '/home/jovyan,/usr/local/bin/before-notebook.d',
        CHOWN_EXTRA_OPTS: '-R',
      },
    });
    assert.equal(r.exitCode, 0, r.logs);
    assert.ok(r.lines.includes('/home/jovyan/.bashrc:1010:101'), r.logs);
    assert.ok(r.lines.includes('/usr/local/bin/before-notebook.d:1010:101'), r.logs);
  });

  test('GRANT_SUDO=yes: passwordless sudo, $CONDA_DIR/bin first on its PATH', async () => {
    const r = await runStart(['bash', '-c', "sudo -n id -u && sudo -n sh -c 'echo SUDO_PATH=$PATH'"], {
      user: 'root',
      env: { GRANT_SUDO: 'yes' },
    });
    assert.equal(r.exitCode, 0, r.logs);
    assert.ok(r.lines.includes('0'), r.logs);
    assert.ok(
      r.lines.some((l) => l.startsWith('SUDO_PATH=/opt/conda/bin:')),
      r.logs,
    );
    clean(r);
  });

  test('no GRANT_SUDO: no sudo, even when started as root; GRANT_SUDO as non-root only warns', async () => {
    const root = await runStart(['bash', '-c', 'sudo -n true && echo ESCALATED || echo REFUSED'], { user: 'root' });
    assert.ok(root.lines.includes('REFUSED'), root.logs);
    const user = await runStart(['bash', '-c', 'sudo -n true && echo ESCALATED || echo REFUSED'], {
      env: { GRANT_SUDO: 'yes' },
    });
    assert.ok(user.lines.includes('REFUSED'), user.logs);
    assert.deepEqual(logged(user.lines, 'WARNING'), ['container must be started as root to grant sudo permissions!']);
  });

  test('JUPYTER_ENV_VARS_TO_UNSET', async () => {
    const r = await runStart(
      ['bash', '-c', 'echo "I like ${FRUIT} and ${SECRET_FRUIT:-stuff}, and love ${SECRET_ANIMAL:-to keep secrets}!"'],
      {
        user: 'root',
        env: {
          JUPYTER_ENV_VARS_TO_UNSET: 'SECRET_ANIMAL,UNUSED_ENV,SECRET_FRUIT',
          FRUIT: 'bananas',
          SECRET_FRUIT: 'mango',
          SECRET_ANIMAL: 'cats',
        },
      },
    );
    assert.ok(r.lines.includes('I like bananas and stuff, and love to keep secrets!'), r.logs);
    const asUser = await runStart(['bash', '-c', 'echo "secret=${SECRET_FRUIT:-gone}"'], {
      env: { JUPYTER_ENV_VARS_TO_UNSET: 'SECRET_FRUIT', SECRET_FRUIT: 'mango' },
    });
    assert.ok(asUser.lines.includes('secret=gone'), asUser.logs);
  });

  test('NB_USER=root NB_UID=0 NB_GID=0 runs the command as root with HOME=/home/root', async () => {
    const r = await runStart(['bash', '-c', 'echo "$(id -u):$(id -g) HOME=$HOME"'], {
      user: 'root',
      env: { NB_USER: 'root', NB_UID: '0', NB_GID: '0' },
    });
    assert.equal(r.exitCode, 0, r.logs);
    assert.ok(r.lines.includes('0:0 HOME=/home/root'), r.logs);
    clean(r);
  });

  test('an arbitrary uid in group 0 gets a passwd entry; the only warning is about the home', async () => {
    const r = await runStart(['id'], { user: '1010' });
    assert.match(r.logs, /uid=1010\(jovyan\) gid=0\(root\)/, r.logs);
    assert.deepEqual(logged(r.lines, 'WARNING'), [
      'no write access to /home/jovyan. ' +
        'Try starting the container with group \'users\' (100), e.g. using "--group-add=users".',
    ]);
    assert.equal(warnings(r.lines).length, 1, r.logs);
  });

  test('an arbitrary uid with NB_USER and group users: named, warned that the home keeps its name', async () => {
    const r = await runStart(['id'], { user: '1010', env: { NB_USER: 'kitten' }, hostConfig: { GroupAdd: ['users'] } });
    assert.match(r.logs, /uid=1010\(kitten\) gid=0\(root\) groups=0\(root\),100\(users\)/, r.logs);
    assert.deepEqual(logged(r.lines, 'WARNING'), [
      'user is kitten but home is /home/jovyan. You must run as root to rename the home directory!',
    ]);
    assert.equal(warnings(r.lines).length, 1, r.logs);
  });

  test('an arbitrary uid:gid outside group 0: cannot fix /etc/passwd, says how', async () => {
    const r = await runStart(['id'], { user: '1010:1010', hostConfig: { GroupAdd: ['users'] } });
    assert.match(r.logs, /uid=1010 gid=1010 groups=1010,100\(users\)/, r.logs);
    const w = warnings(r.lines);
    assert.equal(w.length, 1, r.logs);
    assert.match(w[0]!, /Try setting gid=0/);
  });

  test("start.sh named in CMD as well: runs the command once, with docker-stacks' warning", async () => {
    const r = await runStart(['start.sh', 'bash', '-c', 'echo "ran as $(id -u)"'], {
      user: 'root',
      env: { NB_UID: '1010' },
    });
    assert.equal(r.exitCode, 0, r.logs);
    assert.ok(r.lines.includes('ran as 1010'), r.logs);
    assert.deepEqual(logged(r.lines, 'WARNING'), ['start.sh is the default ENTRYPOINT, do not include it in CMD']);
    assert.equal(warnings(r.lines).length, 1, r.logs);
    assert.equal(
      logged(r.lines, 'INFO').filter((l) => l.startsWith('Running hooks in: /usr/local/bin/start-notebook.d')).length,
      1,
      r.logs,
    );
  });

  test("JUPYTER_DOCKER_STACKS_QUIET=1 keeps only the command's output", async () => {
    const r = await runStart(['echo', 'only-this'], {
      user: 'root',
      env: { JUPYTER_DOCKER_STACKS_QUIET: '1', NB_UID: '1010' },
    });
    assert.deepEqual(r.lines, ['only-this']);
  });
});
