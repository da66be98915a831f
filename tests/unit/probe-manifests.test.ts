/** report/probe-manifests.ts against a stand-in docker CLI: one container, every probe in it, removed. */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { probes } from '../../src/report/manifests.ts';
import { collectManifests } from '../../src/report/probe-manifests.ts';
import { tempDir } from './helpers.ts';

const FAKE = resolve(import.meta.dirname, '../fixtures/fake-docker/docker');
const dir = tempDir('kfc-probe-');
const log = join(dir, 'docker.log');
const calls = () => readFileSync(log, 'utf8').trim().split('\n');
const saved = { ...process.env };

before(() => {
  process.env.KFC_DOCKER = FAKE;
  process.env.FAKE_DOCKER_LOG = log;
});
after(() => {
  for (const k of ['KFC_DOCKER', 'FAKE_DOCKER_LOG', 'FAKE_DOCKER_RUN_FAIL', 'FAKE_DOCKER_EXEC_OUT'])
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => writeFileSync(log, ''));

describe('collectManifests', () => {
  test('runs every probe in one sleeping container without network, then removes it', async () => {
    process.env.FAKE_DOCKER_EXEC_OUT = 'bash\t5.2';
    const m = await collectManifests('img:t');
    const [run, ...rest] = calls();
    const name = /--name (kfc-report-manifest-[0-9a-f]{8}) /.exec(run!)?.[1];
    assert.ok(name, run);
    assert.match(run!, /--label org\.kfc\.report=1 --network none --entrypoint sleep img:t infinity$/);
    assert.equal(rest.length, probes().length + 1);
    assert.ok(rest.slice(0, -1).every((c) => c.startsWith(`exec ${name} sh -c `)));
    assert.equal(rest.at(-1), `rm -f ${name}`);
    assert.deepEqual(m.debian, [{ name: 'bash', version: '5.2' }]);
  });

  test('an image that does not start: an error in the manifests, the container still removed', async () => {
    process.env.FAKE_DOCKER_RUN_FAIL = 'exec format error';
    try {
      const m = await collectManifests('img:t');
      assert.deepEqual(m.errors, ['could not start a container: exec format error']);
    } finally {
      delete process.env.FAKE_DOCKER_RUN_FAIL;
    }
    assert.equal(calls().length, 2);
    assert.match(calls()[1]!, /^rm -f kfc-report-manifest-/);
  });
});
