// Results held for one run's later pass (kfc test --run-id): the key is the run's, the image's and the
// file's alone; only a passing run is held; entries a day old go when the store opens.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { earlierRun, openRunStore, recordEarlierRun, runResultKey } from '../../src/testing/earlier-runs.ts';
import type { SuiteRun } from '../../src/testing/suite-process.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir('kfc-earlier-runs-');
after(() => rmSync(dir, { recursive: true, force: true }));

const run = (ok: boolean): SuiteRun => ({
  ok,
  exitCode: ok ? 0 : 1,
  output: '',
  counts: { pass: ok ? 3 : 2, fail: ok ? 0 : 1, skipped: 1, cancelled: 0, todo: 0, tests: 4 },
  seconds: 12.34,
});

describe('results held for a run’s later pass', () => {
  test('the key moves with the run id, the image ID, the file and the name filter, and nothing else', () => {
    const key = runResultKey('npm-test-1', 'sha256:aa', 'tests/images/x/a.test.ts', undefined);
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(key, runResultKey('npm-test-1', 'sha256:aa', 'tests/images/x/a.test.ts', undefined));
    const others = [
      runResultKey('npm-test-2', 'sha256:aa', 'tests/images/x/a.test.ts', undefined),
      runResultKey('npm-test-1', 'sha256:ab', 'tests/images/x/a.test.ts', undefined),
      runResultKey('npm-test-1', 'sha256:aa', 'tests/images/x/b.test.ts', undefined),
      runResultKey('npm-test-1', 'sha256:aa', 'tests/images/x/a.test.ts', 'kernel'),
    ];
    assert.equal(new Set([key, ...others]).size, 5);
  });

  test('a passing run is held and read back; a failed one is not held', () => {
    const store = openRunStore({ dir });
    const passed = runResultKey('r1', 'sha256:aa', 'a.test.ts', undefined);
    assert.equal(recordEarlierRun(store, passed, run(true), 'img', 'a.test.ts', 'r1'), true);
    const back = earlierRun(store, passed);
    assert.deepEqual(back?.value, { image: 'img', file: 'a.test.ts', passed: 3, skipped: 1, seconds: 12.3 });
    assert.deepEqual(back?.parts, { run: 'r1', image: 'img', file: 'a.test.ts' });
    const failed = runResultKey('r1', 'sha256:aa', 'b.test.ts', undefined);
    assert.equal(recordEarlierRun(store, failed, run(false), 'img', 'b.test.ts', 'r1'), false);
    assert.equal(earlierRun(store, failed), undefined);
  });

  test('entries a day old go when the store opens; younger ones stay', () => {
    const store = openRunStore({ dir });
    const old = runResultKey('r-old', 'sha256:aa', 'a.test.ts', undefined);
    const young = runResultKey('r-young', 'sha256:aa', 'a.test.ts', undefined);
    recordEarlierRun(store, old, run(true), 'img', 'a.test.ts', 'r-old');
    recordEarlierRun(store, young, run(true), 'img', 'a.test.ts', 'r-young');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(join(store.dir, `${old}.json`), twoDaysAgo, twoDaysAgo);
    const reopened = openRunStore({ dir });
    assert.equal(existsSync(join(reopened.dir, `${old}.json`)), false);
    assert.ok(readdirSync(reopened.dir).includes(`${young}.json`));
    assert.equal(earlierRun(reopened, young)?.value.passed, 3);
  });
});
