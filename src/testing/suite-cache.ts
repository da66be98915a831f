/**
 * The result cache of `kfc test`: per suite file and image, keyed by content (src/testing/result-key.ts),
 * in the shared ResultStore (kind "test"). A suite that declares itself uncached is never looked up
 * or stored; a failed run is never stored.
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { codeRoot } from '../cache/code-root.ts';
import { digestFiles } from '../cache/digest.ts';
import { importDigest } from '../cache/import-digest.ts';
import { ResultStore, type StoredResult } from '../cache/store.ts';
import type { ImageNode } from '../catalog/model.ts';
import { IMAGE_TESTS_DIR } from '../catalog/suites.ts';
import { suiteKey, suiteKeyParts } from './result-key.ts';
import { type SuiteMarkers, suiteMarkers } from './suite-markers.ts';
import type { SuiteRun } from './suite-process.ts';
import type { ToolVersions } from './versions.ts';

/** What a stored passing run holds. */
export interface StoredSuite {
  image: string;
  file: string;
  passed: number;
  skipped: number;
  seconds: number;
}

const isCount = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;

export function isStoredSuite(v: unknown): boolean {
  const s = v as Partial<StoredSuite> | null;
  return typeof s === 'object' && s !== null && isCount(s.passed) && isCount(s.skipped);
}

export type SuitePlan = SuiteMarkers & {
  file: string;
  /** The file as printed: relative to tests/images/. */
  label: string;
  /** Set when the result can be cached. */
  key?: string;
  parts?: Record<string, string>;
  /** Why not, when the file is not marked uncached but no key could be made. */
  noKey?: string;
};

export interface CacheContext {
  root: string;
  imageId: string;
  versions: ToolVersions;
  env: Record<string, string>;
  only?: string;
  lockfile: string;
}

/** package-lock.json of kfc's checkout: it pins the packages every suite imports. */
export function lockfileDigest(root = codeRoot()): string {
  return digestFiles(['package-lock.json'], root);
}

export function openTestStore(enabled: boolean | undefined): ResultStore {
  return new ResultStore('test', enabled === false ? { enabled: false } : {});
}

/** The plan of one suite file: its markers and, unless it is uncached, its key. */
export async function planSuite(file: string, node: ImageNode, ctx: CacheContext, store: ResultStore) {
  const markers = suiteMarkers(readFileSync(join(ctx.root, file), 'utf8'), file);
  const plan: SuitePlan = { ...markers, file, label: relative(IMAGE_TESTS_DIR, file) };
  if (!store.on || markers.uncached) return plan;
  const imports = await importDigest(file, ctx.root);
  if ('error' in imports) return { ...plan, noKey: `its imports could not be read: ${imports.error}` };
  const reads = markers.reads ? readsDigest(markers.reads, ctx.root) : undefined;
  if (reads && 'error' in reads) return { ...plan, noKey: reads.error };
  const parts = suiteKeyParts({
    file,
    imageId: ctx.imageId,
    imports: imports.digest,
    ...(reads ? { reads: reads.digest } : {}),
    lockfile: ctx.lockfile,
    node,
    versions: ctx.versions,
    env: ctx.env,
    only: ctx.only,
  });
  return { ...plan, key: suiteKey(parts), parts };
}

export function storedSuite(store: ResultStore, plan: SuitePlan): StoredResult<StoredSuite> | undefined {
  if (!plan.key) return undefined;
  return store.get<StoredSuite>(plan.key, isStoredSuite);
}

/**
 * Stores a run's result when it passed whole (exit 0, no failure or cancellation in its summary) and
 * has a key; returns whether it was stored. A failed run is never stored.
 */
export function recordRun(store: ResultStore, plan: SuitePlan, run: SuiteRun, image: string): boolean {
  const value = passingRun(run, image, plan.file);
  if (!value || !plan.key || !plan.parts || !store.on) return false;
  store.put(plan.key, plan.parts, value);
  return store.on;
}

/** What is kept of a run that passed whole (exit 0, no failure or cancellation in its summary); else undefined. */
export function passingRun(run: SuiteRun, image: string, file: string): StoredSuite | undefined {
  if (!run.ok || !run.counts) return undefined;
  return {
    image,
    file,
    passed: run.counts.pass,
    skipped: run.counts.skipped,
    seconds: Math.round(run.seconds * 10) / 10,
  };
}

/** 2026-12-06T12:40Z from an ISO time. */
export function shortTime(iso: string): string {
  return `${iso.slice(0, 16)}Z`;
}

/** The files under the paths a `reads:` marker names (folders walked), digested; a missing path is an error. */
function readsDigest(marker: string, root: string): { digest: string } | { error: string } {
  const files: string[] = [];
  for (const path of marker
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const abs = join(root, path);
    if (!existsSync(abs)) return { error: `it reads ${path}, which does not exist` };
    if (!statSync(abs).isDirectory()) files.push(path);
    else
      for (const e of readdirSync(abs, { recursive: true, withFileTypes: true }))
        if (!e.isDirectory()) files.push(relative(root, join(e.parentPath, e.name)));
  }
  return { digest: digestFiles(files, root) };
}
