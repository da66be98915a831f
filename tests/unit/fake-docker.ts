/**
 * The stand-in docker CLI (tests/fixtures/fake-docker/docker) for the tests of code that calls
 * docker: KFC_DOCKER points at it for the file's tests, each call is logged one per line.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { tempDir } from './helpers.ts';

export const FAKE_DOCKER = resolve(import.meta.dirname, '../fixtures/fake-docker/docker');

/** Environment the fake reads: FAKE_DOCKER_RUN_FAIL (stderr of a failing run), _PORT, _EXEC_OUT, _TAGS. */
const KEYS = [
  'KFC_DOCKER',
  'FAKE_DOCKER_LOG',
  'FAKE_DOCKER_RUN_FAIL',
  'FAKE_DOCKER_PORT',
  'FAKE_DOCKER_EXEC_OUT',
  'FAKE_DOCKER_TAGS',
];

let shared: string | undefined;

/** Installs the fake for this test file (before/after hooks); `calls()` reads the log, `clear()` empties it. */
export function useFakeDocker(): { log: string; calls: () => string[]; clear: () => void } {
  // One log per process, gone with it: npm test runs several test files in one process.
  if (!shared) {
    const dir = tempDir('kfc-fake-docker-');
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    shared = dir;
  }
  const log = join(shared, 'docker.log');
  const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  before(() => {
    process.env.KFC_DOCKER = FAKE_DOCKER;
    process.env.FAKE_DOCKER_LOG = log;
    writeFileSync(log, '');
  });
  after(() => {
    for (const k of KEYS)
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
  });
  return {
    log,
    calls: () => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean),
    clear: () => writeFileSync(log, ''),
  };
}

/** Runs `work` with one fake variable set (e.g. FAKE_DOCKER_RUN_FAIL), removing it after. */
export async function withFakeEnv<T>(key: string, value: string, work: () => Promise<T>): Promise<T> {
  process.env[key] = value;
  try {
    return await work();
  } finally {
    delete process.env[key];
  }
}
