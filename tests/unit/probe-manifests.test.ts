/** report/probe-manifests.ts against a stand-in docker CLI: one container, every probe in it, removed. */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { probes } from '../../src/report/manifests.ts';
import { collectManifests } from '../../src/report/probe-manifests.ts';
import { useFakeDocker, withFakeEnv } from './fake-docker.ts';

const fake = useFakeDocker();
const { calls } = fake;
beforeEach(fake.clear);

describe('collectManifests', () => {
  test('runs every probe in one sleeping container without network, then removes it', async () => {
    const m = await withFakeEnv('FAKE_DOCKER_EXEC_OUT', 'bash\t5.2', () => collectManifests('img:t'));
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
    const m = await withFakeEnv('FAKE_DOCKER_RUN_FAIL', 'exec format error', () => collectManifests('img:t'));
    assert.deepEqual(m.errors, ['could not start a container: exec format error']);
    assert.equal(calls().length, 2);
    assert.match(calls()[1]!, /^rm -f kfc-report-manifest-/);
  });
});
