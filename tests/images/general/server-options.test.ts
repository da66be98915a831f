// start-notebook.py and the server settings: secure by default outside Kubeflow (a token), XSRF on
// under Kubeflow, JUPYTER_PORT + GEN_CERT + a base_url argument + NOTEBOOK_ARGS + NB_UMASK (and
// the HEALTHCHECK still finding the server), DOCKER_STACKS_JUPYTER_CMD, start-singleuser.py.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';
import { JupyterApi } from '../../../src/testing/kernel.ts';
import { errors, GiveUp, logged, runStart, until, warnings } from './start-run.ts';

describe('general: outside Kubeflow (no NB_PREFIX) the server asks for a token', () => {
  let nb: Notebook;
  let token = '';
  before(async () => {
    // /api answers without authentication; /api/status does not.
    nb = await startNotebook({ prefix: '', env: { NB_PREFIX: '' }, ready: '/api' });
    token = await until('the token URL in the log', async () => /[?&]token=([0-9a-f]{16,})/.exec(await nb.logs())?.[1]);
  });
  after(async () => {
    await nb?.remove();
  });

  test('the API refuses requests without the token and answers with it', async () => {
    assert.equal((await nb.get('/api/status')).status, 403);
    assert.equal((await nb.get('/api/contents')).status, 403);
    const ok = await nb.get('/api/status', { headers: { Authorization: `token ${token}` } });
    assert.equal(ok.status, 200, ok.text);
  });

  test('the UI sends an unauthenticated browser to the login page', async () => {
    const ui = await nb.follow('/lab');
    assert.match(new URL(ui.url).pathname, /^\/login/, `${ui.url} (${ui.hops.join(', ')})`);
  });

  test("the UI cannot be framed by other sites (frame-ancestors 'self')", async () => {
    const login = await nb.follow('/lab');
    assert.match(login.headers.get('content-security-policy') ?? '', /frame-ancestors 'self'/);
  });

  test('the start log has no WARNING/ERROR lines', async () => {
    const lines = (await nb.logs()).split('\n');
    assert.deepEqual([...warnings(lines), ...errors(lines)], []);
  });
});

describe('general: XSRF stays on under Kubeflow (no token there)', () => {
  let nb: Notebook;
  before(async () => {
    nb = await startNotebook();
  });
  after(async () => {
    await nb?.remove();
  });

  test('a state-changing request without the _xsrf cookie/header is refused, with it accepted', async () => {
    const bare = await nb.get('/api/contents', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'file', ext: '.txt' }),
    });
    assert.equal(bare.status, 403, `POST without XSRF answered ${bare.status}: ${bare.text}`);
    const api = new JupyterApi(nb);
    const made = await api.request('POST', '/api/contents', { type: 'file', ext: '.txt' });
    assert.equal(made.status, 201, made.text);
  });
});

describe('general: JUPYTER_PORT, GEN_CERT, a base_url argument, NOTEBOOK_ARGS, NB_UMASK', () => {
  let nb: Notebook;
  const curl = (path: string) =>
    nb.exec(['curl', '-sk', '-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:9999/custom/base${path}`]);
  before(async () => {
    nb = await startNotebook({
      wait: false,
      healthcheck: true,
      cmd: ['start-notebook.py', '--ServerApp.base_url=/custom/base/', '--LabApp.default_url=/tree'],
      env: {
        JUPYTER_PORT: '9999',
        GEN_CERT: 'yes',
        NB_UMASK: '002',
        NOTEBOOK_ARGS: "--ServerApp.root_dir='/home/jovyan/work root' --ServerApp.shutdown_no_activity_timeout=0",
        JUPYTER_TOKEN: 'kfc-test-token',
      },
      files: [
        { path: '/usr/local/bin/start-notebook.d/10-root-dir.sh', content: 'mkdir -p "/home/jovyan/work root"\n' },
      ],
    });
    await until(
      'https on 9999 under /custom/base',
      async () => {
        if (!(await nb.container.inspect()).State.Running)
          throw new GiveUp(`the container exited:\n${await nb.logs()}`);
        return (await curl('/api')).stdout === '200';
      },
      90_000,
      500,
    );
  });
  after(async () => {
    await nb?.remove();
  });

  test('the server listens with https on JUPYTER_PORT under the base_url given as an argument', async () => {
    const plainHttp = await nb.exec([
      'curl',
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      'http://127.0.0.1:9999/custom/base/api',
    ]);
    assert.notEqual(plainHttp.stdout, '200', 'plain http answered: GEN_CERT ignored');
    const eightyEightyEight = await nb.exec(['curl', '-s', '-o', '/dev/null', 'http://127.0.0.1:8888/']);
    assert.notEqual(eightyEightyEight.exitCode, 0, 'something still listens on 8888');
  });

  test('the HEALTHCHECK finds that server (docker reports healthy)', async () => {
    const direct = await nb.exec(['/usr/local/bin/kfc-healthcheck']);
    assert.equal(direct.exitCode, 0, direct.stdout + direct.stderr);
    assert.match(direct.stdout, /https:\/\/[^/]+:9999\/custom\/base\/api: HTTP 200/);
    const health = await until(
      'a health verdict',
      async () => {
        const s = (await nb.container.inspect()).State.Health?.Status;
        return s === 'healthy' || s === 'unhealthy' ? s : undefined;
      },
      40_000,
      500,
    );
    assert.equal(health, 'healthy');
  });

  test('the HEALTHCHECK fails while that server does not answer (stopped with SIGSTOP)', async () => {
    const pid = (await nb.exec(['pgrep', '-f', '-o', 'python.*jupyter-lab'])).stdout.trim();
    assert.match(pid, /^\d+$/, 'no jupyter-lab process');
    await nb.exec(['kill', '-STOP', pid], { user: '0' });
    try {
      const r = await nb.exec(['/usr/local/bin/kfc-healthcheck'], { timeoutMs: 15_000 });
      assert.notEqual(r.exitCode, 0, `healthy while the server is stopped: ${r.stdout}`);
    } finally {
      await nb.exec(['kill', '-CONT', pid], { user: '0' });
    }
    const back = await nb.exec(['/usr/local/bin/kfc-healthcheck']);
    assert.equal(back.exitCode, 0, back.stdout + back.stderr);
  });

  test('NOTEBOOK_ARGS and extra arguments reach the server', async () => {
    const r = await nb.exec([
      'curl',
      '-sk',
      '-o',
      '/dev/null',
      '-w',
      '%{redirect_url}',
      '-H',
      'Authorization: token kfc-test-token',
      'https://127.0.0.1:9999/custom/base/',
    ]);
    assert.match(r.stdout, /\/custom\/base\/tree$/, `default_url from an extra argument: ${r.stdout}`);
    const made = await nb.exec([
      'curl',
      '-sk',
      '-X',
      'POST',
      '-H',
      'Authorization: token kfc-test-token',
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"type":"file","ext":".txt"}',
      'https://127.0.0.1:9999/custom/base/api/contents',
    ]);
    const path = (JSON.parse(made.stdout) as { path: string }).path;
    const where = await nb.exec(['stat', '-c', '%a', `/home/jovyan/work root/${path}`]);
    assert.equal(
      where.exitCode,
      0,
      `the file is not under the root_dir of NOTEBOOK_ARGS: ${made.stdout} ${where.stderr}`,
    );
    assert.equal(where.stdout.trim(), '664', 'NB_UMASK=002 did not reach the server');
  });

  test('JUPYTER_TOKEN, when set, is required even under NB_PREFIX', async () => {
    assert.equal((await curl('/api/status')).stdout, '403');
  });
});

// docker-stacks' base-notebook/test_healthcheck.py::test_not_healthy expects "unhealthy" for this start
// (NB_USER=testuser CHOWN_HOME=1, not as root; also with a base_url or JUPYTER_PORT): its healthcheck looks
// for the server's runtime files under /home/testuser, which does not exist, although the server runs and
// answers. Ours finds the running server and says healthy: a reachable server is never reported unhealthy
// (docs/runtime.md, "Health").
describe('general: NB_USER without root: a warning, the server runs as jovyan and is healthy', () => {
  let nb: Notebook;
  before(async () => {
    nb = await startNotebook({ env: { NB_USER: 'testuser', CHOWN_HOME: '1' }, healthcheck: true });
  });
  after(async () => {
    await nb?.remove();
  });

  test('one WARNING says NB_USER needs root; the server runs as jovyan', async () => {
    const lines = (await nb.logs()).split('\n');
    assert.deepEqual(logged(lines, 'WARNING'), [
      'container must be started as root to change the desired user\'s name with NB_USER="testuser"!',
    ]);
    assert.equal(warnings(lines).length, 1, lines.join('\n'));
    const server = await nb.serverProcess();
    assert.equal(server.uid, 1000);
    assert.equal(server.env.HOME, '/home/jovyan');
  });

  test('the HEALTHCHECK finds that server and docker reports healthy', async () => {
    const direct = await nb.exec(['/usr/local/bin/kfc-healthcheck']);
    assert.equal(direct.exitCode, 0, direct.stdout + direct.stderr);
    assert.match(direct.stdout, new RegExp(`${nb.prefix}/api: HTTP 200`));
    const health = await until(
      'a health verdict',
      async () => {
        const s = (await nb.container.inspect()).State.Health?.Status;
        return s === 'healthy' || s === 'unhealthy' ? s : undefined;
      },
      40_000,
      500,
    );
    assert.equal(health, 'healthy');
  });
});

// Kubeflow's older notebook configurations (and the seed's start-custom.sh) run start-notebook.sh.
// docker-stacks' base-notebook/test_healthcheck.py::test_healthy[start-notebook.sh] starts it too.
describe('general: start-notebook.sh still starts the server, without a WARNING', () => {
  let nb: Notebook;
  before(async () => {
    nb = await startNotebook({ cmd: ['start-notebook.sh'] });
  });
  after(async () => {
    await nb?.remove();
  });

  test('it serves under NB_PREFIX with no token, as start-notebook.py does; its log is clean', async () => {
    assert.equal((await nb.get('/api/status')).status, 200);
    const lines = (await nb.logs()).split('\n');
    assert.ok(
      lines.some((l) => l.startsWith('Executing: jupyter lab ')),
      lines.join('\n'),
    );
    assert.deepEqual([...warnings(lines), ...errors(lines)], []);
  });
});

/** A before-notebook.d hook starting a stand-in Hub API on 127.0.0.1:8081 (GET /hub/api → its version). */
const FAKE_HUB = [
  {
    path: '/usr/local/bin/before-notebook.d/10-kfc-fake-hub.sh',
    content: [
      "python - > /tmp/fake-hub.log 2>&1 <<'PY' &",
      'import http.server, json, jupyterhub',
      'class H(http.server.BaseHTTPRequestHandler):',
      '    def do_GET(self):',
      '        body = json.dumps({"version": jupyterhub.__version__}).encode()',
      '        self.send_response(200)',
      '        self.send_header("Content-Type", "application/json")',
      '        self.send_header("X-JupyterHub-Version", jupyterhub.__version__)',
      '        self.end_headers()',
      '        self.wfile.write(body)',
      'http.server.HTTPServer(("127.0.0.1", 8081), H).serve_forever()',
      'PY',
      '',
    ].join('\n'),
  },
];

describe('general: DOCKER_STACKS_JUPYTER_CMD and start-singleuser.py', { concurrency: 4 }, () => {
  const installed = async (program: string): Promise<boolean> =>
    (await runStart(['bash', '-c', `command -v ${program}`])).exitCode === 0;

  test('notebook: Notebook 7 serves /tree under NB_PREFIX (or, not installed, one clear error)', async () => {
    if (!(await installed('jupyter-notebook'))) {
      const r = await runStart(['start-notebook.py'], { env: { DOCKER_STACKS_JUPYTER_CMD: 'notebook' } });
      assert.equal(r.exitCode, 2, r.logs);
      assert.match(
        r.logs,
        /ERROR: DOCKER_STACKS_JUPYTER_CMD=notebook: jupyter-notebook is not installed in this image/,
      );
      return;
    }
    const nb = await startNotebook({ env: { DOCKER_STACKS_JUPYTER_CMD: 'notebook' } });
    try {
      const tree = await nb.get('/tree');
      assert.equal(tree.status, 200, tree.text.slice(0, 300));
      assert.match((await nb.serverProcess()).args, /jupyter-notebook/);
      // Mirrors docker-stacks' base-notebook/test_start_container.py::test_start_notebook[notebook].
      assert.match(await nb.logs(), /^Executing: jupyter notebook /m);
    } finally {
      await nb.remove();
    }
  });

  test("server: jupyter-server, its UI at the prefix's default URL", async () => {
    const nb = await startNotebook({ env: { DOCKER_STACKS_JUPYTER_CMD: 'server' } });
    try {
      assert.match((await nb.serverProcess()).args, /jupyter-server/);
      // Mirrors test_start_container.py::test_start_notebook[server].
      assert.match(await nb.logs(), /^Executing: jupyter server /m);
      const ui = await nb.follow('/');
      assert.equal(ui.status, 200, `${ui.url} ${ui.hops.join(', ')}`);
    } finally {
      await nb.remove();
    }
  });

  test('nbclassic: started when installed, else one clear error line and a non-zero exit', async () => {
    if (await installed('jupyter-nbclassic')) {
      const nb = await startNotebook({ env: { DOCKER_STACKS_JUPYTER_CMD: 'nbclassic' } });
      try {
        assert.match((await nb.serverProcess()).args, /jupyter-nbclassic/);
        // Mirrors test_start_container.py::test_start_notebook[nbclassic].
        assert.match(await nb.logs(), /^Executing: jupyter nbclassic /m);
      } finally {
        await nb.remove();
      }
      return;
    }
    const r = await runStart(['start-notebook.py'], { env: { DOCKER_STACKS_JUPYTER_CMD: 'nbclassic' } });
    assert.equal(r.exitCode, 2, r.logs);
    assert.deepEqual(errors(r.lines), [errors(r.lines)[0]]);
    assert.match(
      r.logs,
      new RegExp(
        /ERROR: DOCKER_STACKS_JUPYTER_CMD=nbclassic: jupyter-nbclassic is not installed in this image /.source +
          /\(fix: use one of: .*lab/.source,
      ),
    );
  });

  test('JUPYTERHUB_API_TOKEN: start-notebook.py hands over to start-singleuser.py', async () => {
    // What a JupyterHub spawner sets; the Hub is a stand-in answering its version (FAKE_HUB).
    const env = {
      JUPYTERHUB_API_TOKEN: 'x',
      JUPYTERHUB_API_URL: 'http://127.0.0.1:8081/hub/api',
      JUPYTERHUB_BASE_URL: '/',
      JUPYTERHUB_SERVICE_PREFIX: '/user/kfc/',
      JUPYTERHUB_SERVICE_URL: 'http://0.0.0.0:8888/user/kfc/',
      JUPYTERHUB_CLIENT_ID: 'jupyterhub-user-kfc',
      JUPYTERHUB_USER: 'kfc',
      NB_PREFIX: '',
    };
    if (await installed('jupyterhub-singleuser')) {
      const nb = await startNotebook({ env, prefix: '/user/kfc', ready: '/api', files: FAKE_HUB });
      try {
        assert.match((await nb.serverProcess()).args, /jupyterhub-singleuser/);
        // Mirrors test_start_container.py::test_start_notebook[JUPYTERHUB_API_TOKEN]: one warning, then the command.
        const lines = (await nb.logs()).split('\n');
        assert.deepEqual(warnings(lines), [
          'WARNING: using start-singleuser.py instead of start-notebook.py ' +
            'to start a server associated with JupyterHub.',
        ]);
        assert.ok(
          lines.some((l) => l.startsWith('Executing: jupyterhub-singleuser ')),
          lines.join('\n'),
        );
      } finally {
        await nb.remove();
      }
      return;
    }
    const r = await runStart(['start-notebook.py'], { env });
    assert.match(r.logs, /using start-singleuser\.py instead of start-notebook\.py/);
    assert.equal(r.exitCode, 2, r.logs);
    assert.match(r.logs, /ERROR: jupyterhub-singleuser is not installed in this image/);
  });
});
