/**
 * engine/throwaway.ts and signals.ts' cleanupOnInterrupt against a stand-in docker CLI: every
 * container is removed after use, on error, and on Ctrl-C / SIGTERM (with the shell's exit code).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeEach, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { liveThrowaways, withThrowaway } from '../../src/engine/throwaway.ts';
import { FAKE_DOCKER, useFakeDocker, withFakeEnv } from './fake-docker.ts';

const fake = useFakeDocker();
const { calls } = fake;

describe('withThrowaway', () => {
  beforeEach(fake.clear);
  const spec = { purpose: 'test', label: 'org.kfc.test=1', runArgs: ['--network', 'none', 'img:t', 'sleep', '9'] };

  test('runs detached under a kfc-<purpose>- name with the label, hands over the name, removes it', async () => {
    const seen = await withThrowaway(spec, async (name, run) => {
      assert.equal(run.failed, false);
      assert.deepEqual(liveThrowaways(), [name]);
      return name;
    });
    assert.match(seen, /^kfc-test-[0-9a-f]{8}$/);
    assert.deepEqual(calls(), [
      `run -d --name ${seen} --label org.kfc.test=1 --network none img:t sleep 9`,
      `rm -f ${seen}`,
    ]);
    assert.deepEqual(liveThrowaways(), []);
  });

  test('a failing use still removes the container; a failed run is handed over, not thrown', async () => {
    await assert.rejects(
      withThrowaway(spec, async () => {
        throw new Error('probe broke');
      }),
      /probe broke/,
    );
    const why = await withFakeEnv('FAKE_DOCKER_RUN_FAIL', 'no such image', () =>
      withThrowaway(spec, async (_n, run) => (run.failed ? run.stderr : 'ran')),
    );
    assert.equal(why, 'no such image');
    assert.equal(calls().filter((c) => c.startsWith('rm -f kfc-test-')).length, 2);
    assert.deepEqual(liveThrowaways(), []);
  });
});

describe('an interrupt while a throwaway container lives', () => {
  const run = promisify(execFile);
  const throwawayModule = resolve(import.meta.dirname, '../../src/engine/throwaway.ts');
  const script = (signal: string) => `
    const { withThrowaway } = await import(${JSON.stringify(throwawayModule)});
    await withThrowaway({ purpose: 'sig', label: 'l=1', runArgs: ['img'] }, async () => {
      process.kill(process.pid, '${signal}');
      await new Promise((r) => setTimeout(r, 20000));
    });
    console.log('not reached');`;

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`${signal}: the container is removed and kfc exits ${code}`, async () => {
      fake.clear();
      const env: NodeJS.ProcessEnv = { ...process.env, KFC_DOCKER: FAKE_DOCKER, FAKE_DOCKER_LOG: fake.log };
      delete env.NODE_TEST_CONTEXT;
      const res = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(signal)], {
        env,
        timeout: 15_000,
      }).then(
        () => ({ code: 0, stdout: 'exited normally' }),
        (e: { code: number; stdout: string }) => e,
      );
      assert.equal(res.code, code, res.stdout);
      const [started, removed] = calls();
      const name = /--name (\S+)/.exec(started ?? '')?.[1];
      assert.ok(name, started);
      assert.equal(removed, `rm -f ${name}`);
    });
  }
});
