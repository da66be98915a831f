/**
 * Results of suite files that are never kept (time, network, chance), held for one run only: npm test runs
 * such files beside other work in a first pass (`kfc test --not-alone --run-id ID`), and its later pass with
 * the same run id counts what passed there instead of running it again. An entry is keyed by the run id, the
 * image ID and the file, so no other run, image or file is ever served from it. A failure is never held.
 * Entries a day old go when the store is opened (a run takes well under that).
 */

import { createHash } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ResultStore, type ResultStoreOptions, type StoredResult } from '../cache/store.ts';
import { isStoredSuite, passingRun, type StoredSuite } from './suite-cache.ts';
import type { SuiteRun } from './suite-process.ts';

const DAY_MS = 86_400_000;

export function openRunStore(opts: ResultStoreOptions = {}): ResultStore {
  const store = new ResultStore('test-run', opts);
  if (!store.on) return store;
  const now = Date.now();
  for (const f of readdirSync(store.dir)) {
    const p = join(store.dir, f);
    try {
      if (now - statSync(p).mtimeMs > DAY_MS) rmSync(p, { force: true });
    } catch {
      // Another run removed it first.
    }
  }
  return store;
}

/** The key of one file's result on one image ID in one run (and test-name filter). */
export function runResultKey(runId: string, imageId: string, file: string, only: string | undefined): string {
  return createHash('sha256')
    .update(['kfc-test-run', runId, imageId, file, only ?? ''].join('\0'))
    .digest('hex');
}

export function earlierRun(store: ResultStore, key: string): StoredResult<StoredSuite> | undefined {
  return store.get<StoredSuite>(key, isStoredSuite);
}

/** Holds a passing run's counts for the later pass of its run; returns whether it was held. */
export function recordEarlierRun(
  store: ResultStore,
  key: string,
  run: SuiteRun,
  image: string,
  file: string,
  runId: string,
): boolean {
  const value = passingRun(run, image, file);
  if (!value || !store.on) return false;
  store.put(key, { run: runId, image, file }, value);
  return store.on;
}
