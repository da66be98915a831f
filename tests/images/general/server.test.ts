// General contract of every Jupyter image, against one container started the way Kubeflow starts
// a notebook (random NB_PREFIX, empty fsGroup-like home volume, default user): the server under the
// prefix, the culler's endpoints without a token, the user, PID 1, clean start logs, the seeded home.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';

describe('general: Kubeflow-style start', () => {
  let nb: Notebook;
  before(async () => {
    nb = await startNotebook({ healthcheck: true });
    console.log(`# start-to-ready ${nb.readyMs} ms (${nb.image}, NB_PREFIX=${nb.prefix})`);
  });
  after(async () => {
    await nb?.remove();
  });

  test('the server answers under NB_PREFIX and 404 outside it', async () => {
    const status = await nb.get('/api/status');
    assert.equal(status.status, 200, status.text);
    const outside = await nb.getRaw('/api/status');
    assert.equal(outside.status, 404, `GET /api/status outside the prefix answered ${outside.status}`);
    const other = await nb.getRaw('/notebook/other-ns/other-nb/api/status');
    assert.equal(other.status, 404, `GET under another notebook's prefix answered ${other.status}`);
  });

  test('$NB_PREFIX/ leads to the UI, under the prefix, with no login page', async () => {
    // What Kubeflow's "Connect" opens: the image's default URL, without a token or password
    // (authentication is done by the mesh in front).
    const ui = await nb.follow('/');
    assert.equal(ui.status, 200, `${ui.url} (${ui.hops.join(', ')}): ${ui.text.slice(0, 300)}`);
    const path = new URL(ui.url).pathname;
    assert.ok(path.startsWith(`${nb.prefix}/`), `the UI left the prefix: ${path}`);
    assert.doesNotMatch(path, /\/login/, `the UI asks for a login: ${path}`);
    assert.match(ui.headers.get('content-type') ?? '', /text\/html/);
  });

  test('the UI can be embedded in an iframe (the Kubeflow central dashboard)', async () => {
    const ui = await nb.follow('/');
    const xfo = ui.headers.get('x-frame-options');
    assert.ok(!xfo || !/deny|sameorigin/i.test(xfo), `X-Frame-Options: ${xfo}`);
    const csp = ui.headers.get('content-security-policy') ?? '';
    const fa = /frame-ancestors([^;]*)/.exec(csp)?.[1]?.trim();
    assert.ok(
      fa === undefined || fa.split(/\s+/).includes('*'),
      `Content-Security-Policy frame-ancestors ${fa} refuses other origins`,
    );
  });

  test('the culler endpoints answer 200 with JSON and no token', async () => {
    const status = await nb.get('/api/status');
    assert.equal(status.status, 200);
    const s = JSON.parse(status.text) as Record<string, unknown>;
    assert.ok('last_activity' in s && 'kernels' in s, `unexpected /api/status body: ${status.text}`);
    const kernels = await nb.get('/api/kernels');
    assert.equal(kernels.status, 200, kernels.text);
    assert.ok(Array.isArray(JSON.parse(kernels.text)), `/api/kernels is not a list: ${kernels.text}`);
  });

  test('the API answers any origin (allow_origin *) without a token', async () => {
    const api = await nb.get('/api/contents', { headers: { Origin: 'https://kubeflow.example.org' } });
    assert.equal(api.status, 200, `cross-origin API call answered ${api.status}`);
    assert.equal(api.headers.get('access-control-allow-origin'), '*');
  });

  // Mirrors docker-stacks' base-notebook/test_start_container.py::test_start_notebook[None] (the default).
  test('start-notebook.py logs the command it runs: Executing: jupyter lab, with the Kubeflow options', async () => {
    const logs = await nb.logs();
    const line = logs.split('\n').find((l) => l.startsWith('Executing: '));
    assert.ok(line?.startsWith('Executing: jupyter lab '), `no "Executing: jupyter lab" line:\n${logs}`);
    assert.ok(line?.includes(`--ServerApp.base_url=${nb.prefix}`), line);
    assert.match((await nb.serverProcess()).args, /jupyter-lab /);
  });

  test('the server runs as jovyan, uid 1000 gid 100, with HOME /home/jovyan', async () => {
    const server = await nb.serverProcess();
    assert.equal(server.uid, 1000, `server uid (${server.args})`);
    assert.equal(server.gid, 100, `server gid (${server.args})`);
    assert.equal(server.env.HOME, '/home/jovyan');
    const id = await nb.exec(['id', '-un']);
    assert.equal(id.stdout.trim(), 'jovyan');
  });

  test('jovyan has no sudo unless GRANT_SUDO is asked for', async () => {
    const r = await nb.exec(['sudo', '-n', 'true']);
    assert.notEqual(r.exitCode, 0, 'sudo -n true succeeded for jovyan without GRANT_SUDO');
  });

  // Mirrors docker-stacks' base-notebook/test_ips.py::test_ipv46 as far as this engine allows: its
  // containers have IPv6 switched off, so the check is that the server listens on the wildcard address of
  // both families (a dual-stack or IPv6 pod address is then answered), not a request over IPv6.
  test('the server listens on every IPv4 and IPv6 address (0.0.0.0 and ::)', async () => {
    const listening = async (table: string, wildcard: string) => {
      const r = await nb.exec(['cat', `/proc/net/${table}`]);
      // sl local_address rem_address st ...: port 8888 is 22B8 in hex, LISTEN is state 0A.
      return r.stdout.split('\n').some((l) => {
        const [, local, , state] = l.trim().split(/\s+/);
        return local === `${wildcard}:22B8` && state === '0A';
      });
    };
    assert.ok(await listening('tcp', '00000000'), 'nothing listens on 0.0.0.0:8888');
    assert.ok(await listening('tcp6', '0'.repeat(32)), 'nothing listens on [::]:8888');
  });

  test('PID 1 is tini', async () => {
    const r = await nb.exec(['cat', '/proc/1/cmdline']);
    const argv = r.stdout.split('\0').filter(Boolean);
    assert.match(argv[0] ?? '', /(^|\/)tini$/, `PID 1 is ${argv.join(' ')}`);
    assert.ok(argv.includes('-g'), `tini should forward signals to the process group (-g): ${argv.join(' ')}`);
  });

  test('the start logs have no WARNING, ERROR or Traceback lines', async () => {
    // Let the server finish its start (extensions load after the first answer), then read.
    await new Promise((r) => setTimeout(r, 1500));
    const logs = await nb.logs();
    // docker-stacks' rule (lines starting WARNING/ERROR), ERROR/Traceback anywhere, and Jupyter's
    // error level ("[E 2025-..." / "[E 12:00:00.000 ...").
    const bad = logs.split('\n').filter((l) => /^WARNING|\bERROR\b|Traceback/.test(l) || /^\[E[ \]]/.test(l));
    assert.deepEqual(bad, [], `start logs:\n${logs}`);
  });

  test('the empty home volume is seeded with every staged default', async () => {
    const list = await nb.exec([
      'bash',
      '-c',
      'for d in /etc/skel /opt/kfc/home-defaults; do [ -d "$d" ] && (cd "$d" && find . -type f); done | sort -u',
    ]);
    const defaults = list.stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^\.\//, ''));
    assert.ok(defaults.length > 0, 'the image stages no defaults (/etc/skel, /opt/kfc/home-defaults)');
    const missing: string[] = [];
    for (const f of defaults) {
      const r = await nb.exec(['test', '-f', `/home/jovyan/${f}`]);
      if (r.exitCode !== 0) missing.push(f);
    }
    assert.deepEqual(missing, [], 'defaults missing from the seeded home');
    // work/ and .jupyter/ are in the image's home (docker-stacks'), not home defaults: the volume stays clean.
    const extra = await nb.exec(['bash', '-c', 'ls -d /home/jovyan/work /home/jovyan/.jupyter 2>/dev/null || true']);
    assert.equal(extra.stdout, '', "the image home's work/ or .jupyter/ was seeded into the home volume");
    const owner = await nb.exec([
      'bash',
      '-c',
      'find /home/jovyan -mindepth 1 \\( ! -user 1000 -o ! -group 100 \\) -printf "%p %u:%g\\n"',
    ]);
    assert.equal(owner.stdout, '', 'seeded files not owned by jovyan:users');
  });

  test('the home is writable by the user', async () => {
    const r = await nb.exec([
      'bash',
      '-c',
      'echo ok > ~/kfc-write-probe && cat ~/kfc-write-probe && rm ~/kfc-write-probe',
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ok');
  });

  test('the namespace of NB_PREFIX is written to ~/.config/kfp/context.json', async () => {
    const ns = /^\/notebook\/([^/]+)\//.exec(nb.prefix)![1];
    const r = await nb.exec(['cat', '/home/jovyan/.config/kfp/context.json']);
    assert.equal(r.exitCode, 0, `no ~/.config/kfp/context.json: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout), { namespace: ns });
  });

  test('the default locale is en_US.UTF-8', async () => {
    const server = await nb.serverProcess();
    assert.equal(server.env.LANG, 'en_US.UTF-8');
  });

  test('the Docker HEALTHCHECK reports healthy', async () => {
    const deadline = Date.now() + 30_000;
    let health = '';
    while (Date.now() < deadline) {
      const info = await nb.container.inspect();
      health = info.State.Health?.Status ?? 'none';
      if (health === 'healthy' || health === 'none' || health === 'unhealthy') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(health, 'healthy');
  });
});
