// The image-test fixture (src/testing) on a real engine, with a stub notebook built from kfc/debian:trixie:
// readiness / log / healthcheck waits, logs, exec, env and user, cleanup on success, failure, exit and
// SIGINT, the sweep of a dead run, and the engine taken from DOCKER_HOST.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { HOST_LABEL, PID_LABEL, RUN_ID, RUN_LABEL, sweepDeadRuns } from '../../src/testing/cleanup.ts';
import { startNotebook } from '../../src/testing/container.ts';
import { DOCKER, engineAnswers } from '../../src/testing/engine-check.ts';
import { ContainerHandle } from '../../src/testing/engine-objects.ts';
import { KfcContainer } from '../../src/testing/kfc-container.ts';
import { needs } from '../../src/testing/parts.ts';
import { healthy, logLine } from '../../src/testing/waits.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const IMAGE = 'h-fixture:stub';
const engineUp = await engineAnswers();
const baseUp =
  engineUp && (await execa(DOCKER, ['image', 'inspect', 'kfc/debian:trixie'], { reject: false })).exitCode === 0;

async function dockerOut(args: string[]): Promise<string[]> {
  const r = await execa(DOCKER, args);
  return r.stdout.split('\n').filter(Boolean);
}

/** Containers and volumes still carrying a run's label. */
async function leftovers(run: string): Promise<string[]> {
  const filter = `label=${RUN_LABEL}=${run}`;
  return [
    ...(await dockerOut(['ps', '-aq', '--filter', filter])),
    ...(await dockerOut(['volume', 'ls', '-q', '--filter', filter])),
  ];
}

/** Runs tests/integration/fixture/child.ts; resolves with its first stdout line and the process. */
function child(mode: 'exit' | 'wait', env: Record<string, string> = {}) {
  const p = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'tests/integration/fixture/child.ts'), mode], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  const line = new Promise<{ run: string; id: string; volume: string; socket: string }>((resolve, reject) => {
    p.stdout.on('data', () => {
      const first = out.split('\n')[0];
      if (out.includes('\n') && first) resolve(JSON.parse(first));
    });
    p.on('close', (code) => reject(new Error(`child exited ${code} before starting:\n${err.slice(-2000)}`)));
  });
  const closed = new Promise<number | null>((resolve) => p.on('close', resolve));
  return { p, line, closed, stderr: () => err };
}

describe('test fixture (testcontainers)', {
  skip: needs(
    (!engineUp && 'no Docker engine answers (run scripts/provision.sh)') ||
      (!baseUp && 'kfc/debian:trixie is missing (node bin/kfc.js base)'),
  ),
}, () => {
  before(async () => {
    await execa(DOCKER, ['build', '-q', '-t', IMAGE, join(repoRoot, 'tests/fixtures/notebook-stub')]);
  });
  after(async () => {
    await execa(DOCKER, ['image', 'rm', '-f', IMAGE], { reject: false });
  });

  test('waits for the ready path, then serves it; logs, exec, env and user; removed afterwards', async () => {
    const nb = await startNotebook({ image: IMAGE, ready: '/ready', env: { STUB_VALUE: 'v42', STUB_DELAY: '2' } });
    const volume = nb.homeVolume;
    try {
      console.log(`# start-to-ready ${nb.readyMs} ms, ${nb.url('/ready')}`);
      assert.ok(nb.readyMs >= 2000, `ready after ${nb.readyMs} ms, before the stub listens (2 s)`);
      const r = await nb.get('/ready');
      assert.equal(r.status, 200);
      assert.equal(r.text.trim(), 'uid=1000 STUB_VALUE=v42 home=writable');
      assert.equal((await nb.get('/elsewhere')).status, 404);
      assert.match(nb.url('/ready'), /^http:\/\/127\.0\.0\.1:\d+\/notebook\/ns-[0-9a-f]+\/nb-[0-9a-f]+\/ready$/);
      assert.match(await nb.logs(), new RegExp(`^stub: serving ${nb.prefix}/ready on 8888$`, 'm'));
      const id = await nb.exec(['id', '-un']);
      assert.deepEqual(id, { exitCode: 0, stdout: 'jovyan\n', stderr: '' });
      const root = await nb.exec('echo "$(id -u) $PROBE $NB_PREFIX" >&2; exit 7', { user: '0', env: { PROBE: 'p1' } });
      assert.deepEqual(root, { exitCode: 7, stdout: '', stderr: `0 p1 ${nb.prefix}\n` });
      const labels = await dockerOut([
        'inspect',
        '--format',
        `{{index .Config.Labels "${RUN_LABEL}"}}`,
        nb.container.id,
      ]);
      assert.deepEqual(labels, [RUN_ID]);
    } finally {
      await nb.remove();
    }
    assert.deepEqual(await dockerOut(['ps', '-aq', '--filter', `id=${nb.container.id}`]), [], 'container left');
    assert.deepEqual(await dockerOut(['volume', 'ls', '-q', '--filter', `name=^${volume}$`]), [], 'volume left');
  });

  test('another user and a read-only home, as set by the caller', async () => {
    const nb = await startNotebook({
      image: IMAGE,
      ready: '/ready',
      user: '1234:100',
      env: { STUB_DELAY: '0' },
      hostConfig: { Mounts: [], Tmpfs: { '/home/jovyan': 'ro,size=1m' } },
    });
    try {
      assert.equal((await nb.get('/ready')).text.trim(), 'uid=1234 STUB_VALUE= home=read-only');
    } finally {
      await nb.remove();
    }
  });

  test('a log line and the image healthcheck as wait strategies', async () => {
    for (const wait of [logLine(/stub: serving/), healthy()]) {
      const c = new KfcContainer(IMAGE)
        .withNotebook('/p')
        .withEnvironment({ STUB_DELAY: '1' })
        .withImageHealthcheck()
        .withWaitStrategy(wait);
      const started = await c.start();
      const handle = new ContainerHandle(started.getId());
      try {
        const res = await fetch(`http://${started.getHost()}:${started.getMappedPort(8888)}/p/ready`);
        assert.equal(res.status, 200, 'serving once the wait is over');
      } finally {
        await handle.remove();
      }
    }
  });

  test('a notebook that exits before it is ready fails with its logs and leaves nothing', async () => {
    const before = await leftovers(RUN_ID);
    await assert.rejects(
      startNotebook({ image: IMAGE, ready: '/ready', env: { STUB_FAIL: '1' }, timeoutMs: 30_000 }),
      /stub: failing on purpose/,
    );
    assert.deepEqual(await leftovers(RUN_ID), before, 'the failed container or its home volume is left');
  });

  test('a test process that ends without removing its notebook: removed at exit', async () => {
    const c = child('exit');
    const { run, id } = await c.line;
    assert.equal(await c.closed, 0, c.stderr());
    assert.deepEqual(await leftovers(run), [], `container ${id} of the exited run is left`);
  });

  test('a test process stopped by SIGINT: its notebook is removed', async () => {
    const c = child('wait');
    const { run, id } = await c.line;
    assert.equal((await dockerOut(['ps', '-q', '--filter', `id=${id}`])).length, 1, 'running before SIGINT');
    c.p.kill('SIGINT');
    assert.equal(await c.closed, 130, c.stderr());
    assert.deepEqual(await leftovers(run), [], 'left after SIGINT');
  });

  test('sweeps containers and volumes of a dead run on this host, not those of live runs', async () => {
    const labels = (run: string, pid: number) =>
      [`${RUN_LABEL}=${run}`, `${PID_LABEL}=${pid}`, `${HOST_LABEL}=${hostname()}`].flatMap((l) => ['--label', l]);
    const dead = `dead-${RUN_ID}`;
    const live = `live-${RUN_ID}`;
    // The dead run's pid is 1, alive to every other test process (npm test runs suites beside this file, and
    // each sweeps dead runs when it starts: they once swept this run between its creation and this check);
    // only this sweep is told that pid 1 is dead.
    const deadPid = 1;
    const alive = (pid: number) => {
      if (pid === deadPid) return false;
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadId = (await execa(DOCKER, ['create', ...labels(dead, deadPid), IMAGE])).stdout.trim();
    await execa(DOCKER, ['volume', 'create', ...labels(dead, deadPid), `kfc-test-${dead}`]);
    const liveId = (await execa(DOCKER, ['create', ...labels(live, process.pid), IMAGE])).stdout.trim();
    try {
      assert.equal((await leftovers(dead)).length, 2);
      const swept = await sweepDeadRuns(alive);
      // Other dead runs on this host (a killed run's) are swept too: ours must be among them, the live one not.
      const same = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
      assert.ok(
        swept.containers.some((id) => same(id, deadId)),
        JSON.stringify(swept),
      );
      assert.ok(!swept.containers.some((id) => same(id, liveId)), JSON.stringify(swept));
      assert.ok(swept.volumes.includes(`kfc-test-${dead}`), JSON.stringify(swept));
      assert.deepEqual(await leftovers(dead), []);
      assert.equal((await leftovers(live)).length, 1, 'a live run was swept');
    } finally {
      // Labelled with pid 1, no other sweep would ever take the dead run's objects if this test failed.
      await execa(DOCKER, ['rm', '-f', liveId, deadId], { reject: false });
      await execa(DOCKER, ['volume', 'rm', '-f', `kfc-test-${dead}`], { reject: false });
    }
  });

  test('the engine is the one DOCKER_HOST names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfc-dh-'));
    try {
      symlinkSync('/var/run/docker.sock', join(dir, 'engine.sock'));
      const good = child('exit', { DOCKER_HOST: `unix://${join(dir, 'engine.sock')}` });
      const sock = join(dir, 'engine.sock');
      assert.equal((await good.line).socket, sock, 'testcontainers talks to another engine socket');
      assert.equal(await good.closed, 0, good.stderr());
      const bad = child('exit', { DOCKER_HOST: `unix://${join(dir, 'nothing.sock')}` });
      await assert.rejects(bad.line, /child exited 1/);
      assert.match(bad.stderr(), /nothing\.sock/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
