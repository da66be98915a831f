/**
 * `kfc test`: runs an image's suites (general, inherited, its own) against the image named by
 * KFC_TEST_IMAGE, each suite file in its own node:test process, two at a time (files marked
 * `// kfc-test: alone: …` by themselves). A file whose result for this image ID and content is
 * in the result cache is not run: it is printed as cached and counts as passed (src/testing/suite-cache.ts).
 */

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { cacheOffByEnv } from '../cache/store.ts';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { imageId, requireEngine } from '../engine/docker.ts';
import { resolveRefs } from '../engine/refs.ts';
import { KfcError } from '../errors.ts';
import { earlierRun, openRunStore, recordEarlierRun, runResultKey } from './earlier-runs.ts';
import { longestFirst, runPool } from './pool.ts';
import {
  type CacheContext,
  lockfileDigest,
  openTestStore,
  planSuite,
  recordRun,
  type SuitePlan,
  shortTime,
  storedSuite,
} from './suite-cache.ts';
import { durationKey, readDurations, recordDurations } from './suite-durations.ts';
import { runSuiteFile } from './suite-process.ts';
import { suiteFiles } from './suites.ts';
import { type ToolVersions, toolVersions } from './versions.ts';

/** One suite file's outcome on one image. */
interface FileResult {
  file: string;
  /**
   * deferred: left by a --not-alone pass for a later one (it must run alone, or its result is never kept and
   * there is no --run-id); earlier: a file never kept that passed in an earlier pass of this --run-id.
   */
  status: 'passed' | 'failed' | 'cached' | 'deferred' | 'earlier';
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  /** The result-cache key (absent for uncached files or with the cache off). */
  key?: string;
  /** When the cached result (or the earlier pass's) was stored. */
  storedAt?: string;
  /** Why the file is never cached. */
  uncached?: string;
}

export interface SuiteResult {
  ok: boolean;
  files: string[];
  at: string;
  passed: number;
  failed: number;
  skipped: number;
  cachedFiles: number;
  /** Files a --not-alone pass left for a later one. */
  deferredFiles: number;
  /** Files never kept that passed in an earlier pass of this --run-id. */
  earlierFiles: number;
  seconds: number;
  results: FileResult[];
}

export interface RunSuitesOptions {
  /** The reference to test for each image. */
  refOf: (node: ImageNode) => string;
  /** NB_PREFIX of the containers (random by default). */
  prefix?: string;
  /** Only tests whose name matches. */
  only?: string;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
  /** Results: each file's output once it ends, cached and uncached lines (stdout by default). */
  out?: (text: string) => void;
  /** Extra environment for the suites and the image check, e.g. DOCKER_HOST of another engine. */
  env?: Record<string, string>;
  /** false (--no-result-cache): run every file and store nothing. Default: on unless KFC_TEST_CACHE=off. */
  resultCache?: boolean;
  /** Suite files run at once (default 2). */
  concurrency?: number;
  /**
   * A pass beside other work (npm test, beside the integration tests and the node's pull): every file that
   * need not run alone. The kept ones are stored by content for the later full pass; those never kept run
   * only with `runId` (their results are kept for that run's later pass), else they are deferred too.
   */
  notAlone?: boolean;
  /**
   * The passes of one run (npm test's two): a file never kept that passed in an earlier pass of this run
   * is counted, not run again. Its result is kept for this run id only, never served to another.
   */
  runId?: string;
}

function withoutTestContext(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[0] !== 'NODE_TEST_CONTEXT' && e[1] !== undefined),
  );
}

const s1 = (seconds: number) => seconds.toFixed(1);

/** Runs every image's suites; returns a result per image (it throws only on bad input). */
async function runSuites(
  catalog: Catalog,
  nodes: ImageNode[],
  opts: RunSuitesOptions,
): Promise<Record<string, SuiteResult>> {
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const out = opts.out ?? ((s: string) => process.stdout.write(s));
  const line = (s: string) => out(`${s}\n`);
  const store = openTestStore(opts.resultCache);
  const keeping = opts.notAlone ? '--not-alone' : opts.runId ? '--run-id' : undefined;
  if (keeping && !store.on)
    throw new KfcError(`${keeping} keeps results for a later pass, but the result cache is off`, {
      hint: `drop --no-result-cache (and KFC_TEST_CACHE=off), or run without ${keeping}`,
    });
  if (opts.runId !== undefined && !/^[\w.-]{1,100}$/.test(opts.runId))
    throw new KfcError(`--run-id "${opts.runId}" is not a run id`, {
      hint: 'use 1 to 100 letters, digits, dots, dashes or underscores, the same for every pass of the run',
    });
  const runStore = opts.runId ? openRunStore() : undefined;
  if (opts.resultCache === false) log('kfc test: result cache off (--no-result-cache): every file runs');
  else if (cacheOffByEnv()) log('kfc test: result cache off (KFC_TEST_CACHE=off): every file runs');
  const lockfile = store.on ? lockfileDigest() : '';
  let versions: Promise<ToolVersions> | undefined;
  const results: Record<string, SuiteResult> = {};
  for (const node of nodes) {
    const t0 = performance.now();
    const image = opts.refOf(node);
    const files = suiteFiles(catalog.root, node);
    if (files.length === 0) {
      throw new KfcError(`no test suites for ${node.name}`, { hint: `add tests under tests/images/${node.name}/` });
    }
    const id = await imageId(image, opts.env);
    if (!id) {
      throw new KfcError(`image ${image} is not in the local store`, { hint: `kfc build ${node.name} (or kfc pull)` });
    }
    const env: Record<string, string> = {
      ...withoutTestContext(process.env),
      ...opts.env,
      KFC_TEST_IMAGE: image,
      KFC_TEST_NAME: node.name,
      KFC_TEST_READY: node.spec.test.ready,
      ...(opts.prefix ? { KFC_TEST_PREFIX: opts.prefix } : {}),
    };
    versions ??= store.on ? toolVersions(env) : undefined;
    const ctx: CacheContext = {
      root: catalog.root,
      imageId: id,
      versions: (await versions) ?? { node: '', engine: '', chromium: '' },
      env,
      only: opts.only,
      lockfile,
    };
    const plans: SuitePlan[] = [];
    for (const f of files) plans.push(await planSuite(f, node, ctx, store));
    log(`kfc test: ${node.name} (${image}, ${id.slice(0, 19)}): ${files.length} file(s)`);

    const byFile = new Map<string, FileResult>();
    const toRun: SuitePlan[] = [];
    const runKey = (plan: SuitePlan) => runResultKey(opts.runId ?? '', id, plan.file, opts.only);
    for (const plan of plans) {
      const earlier = runStore && !plan.key ? earlierRun(runStore, runKey(plan)) : undefined;
      if (earlier) {
        const { passed, skipped } = earlier.value;
        line(
          `kfc test: ${node.name}: earlier in this run ${plan.label} (run ${opts.runId}, ` +
            `passed ${shortTime(earlier.storedAt)}): ${passed} passed, ${skipped} skipped`,
        );
        byFile.set(plan.file, {
          file: plan.file,
          status: 'earlier',
          passed,
          failed: 0,
          skipped,
          seconds: 0,
          storedAt: earlier.storedAt,
          ...(plan.uncached ? { uncached: plan.uncached } : {}),
        });
        continue;
      }
      const hit = storedSuite(store, plan);
      if (!hit) {
        toRun.push(plan);
        continue;
      }
      const { passed, skipped } = hit.value;
      line(
        `kfc test: ${node.name}: cached ${plan.label} ` +
          `(key ${hit.key.slice(0, 12)}, stored ${shortTime(hit.storedAt)}): ${passed} passed, ${skipped} skipped`,
      );
      byFile.set(plan.file, {
        file: plan.file,
        status: 'cached',
        passed,
        failed: 0,
        skipped,
        seconds: 0,
        key: hit.key,
        storedAt: hit.storedAt,
      });
    }

    // A --not-alone pass defers the files that must run alone, and those never kept unless a run id keeps them.
    const deferred = (p: SuitePlan) => Boolean(opts.notAlone && (p.alone || (!p.key && !runStore)));
    for (const plan of toRun.filter(deferred)) {
      line(`kfc test: ${node.name}: deferred ${plan.label} (${plan.uncached ?? plan.noKey ?? plan.alone})`);
      byFile.set(plan.file, { file: plan.file, status: 'deferred', passed: 0, failed: 0, skipped: 0, seconds: 0 });
    }

    const lastTook = store.on ? readDurations() : {};
    const tookNow: Record<string, number> = {};
    await runPool(
      longestFirst(
        toRun.filter((p) => !deferred(p)),
        (p) => lastTook[durationKey(node.name, p.file)],
      ),
      opts.concurrency ?? 2,
      (p) => Boolean(p.alone),
      async (plan) => {
        const why = plan.uncached ?? plan.noKey;
        if (why) line(`kfc test: ${node.name}: uncached ${plan.label} (${why})`);
        else if (plan.alone) line(`kfc test: ${node.name}: alone ${plan.label} (${plan.alone})`);
        const run = await runSuiteFile(plan.file, { cwd: catalog.root, env, only: opts.only });
        const c = run.counts;
        const failed = run.ok ? 0 : Math.max(1, (c?.fail ?? 0) + (c?.cancelled ?? 0));
        const r: FileResult = {
          file: plan.file,
          status: run.ok ? 'passed' : 'failed',
          passed: c?.pass ?? 0,
          failed,
          skipped: c?.skipped ?? 0,
          seconds: Math.round(run.seconds * 10) / 10,
          ...(plan.key ? { key: plan.key } : {}),
          ...(plan.uncached ? { uncached: plan.uncached } : {}),
        };
        const kept = recordRun(store, plan, run, node.name);
        // A file never kept, run beside others: its result waits for this run's later pass, and only for it.
        const forLater =
          !plan.key && opts.notAlone && runStore
            ? recordEarlierRun(runStore, runKey(plan), run, node.name, plan.file, opts.runId!)
            : false;
        const stored = kept
          ? `; stored as ${plan.key?.slice(0, 12)}`
          : forLater
            ? `; kept for this run's later pass (run ${opts.runId})`
            : '';
        const status = c ? '' : ` (no test summary: exit ${run.exitCode ?? 'signal'})`;
        out(run.output.endsWith('\n') || run.output === '' ? run.output : `${run.output}\n`);
        line(
          `kfc test: ${node.name}: ran ${plan.label} in ${s1(run.seconds)} s: ` +
            `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${status}${stored}`,
        );
        byFile.set(plan.file, r);
        tookNow[durationKey(node.name, plan.file)] = r.seconds;
      },
    );
    if (store.on) recordDurations(tookNow);

    const fileResults = files.map((f) => byFile.get(f)!);
    const sum = (k: 'passed' | 'failed' | 'skipped') => fileResults.reduce((a, r) => a + r[k], 0);
    results[node.name] = {
      ok: fileResults.every((r) => r.status !== 'failed'),
      files,
      at: new Date().toISOString(),
      passed: sum('passed'),
      failed: sum('failed'),
      skipped: sum('skipped'),
      cachedFiles: fileResults.filter((r) => r.status === 'cached').length,
      deferredFiles: fileResults.filter((r) => r.status === 'deferred').length,
      earlierFiles: fileResults.filter((r) => r.status === 'earlier').length,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      results: fileResults,
    };
  }
  return results;
}

/** The line scripts/test.mjs reads, one per image. */
function summaryLine(image: string, r: SuiteResult): string {
  return (
    `kfc test: ${image}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped ` +
    `(${r.cachedFiles} of ${r.files.length} files cached${r.deferredFiles ? `, ${r.deferredFiles} deferred` : ''}` +
    `${r.earlierFiles ? `, ${r.earlierFiles} earlier in this run` : ''}) ` +
    `in ${s1(r.seconds)} s`
  );
}

/** Merges results into reports/tests.json (written whole or not at all). */
function recordResults(root: string, results: Record<string, SuiteResult>): string {
  const dir = join(root, 'reports');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'tests.json');
  const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as object) : {};
  writeFileAtomic.sync(file, `${JSON.stringify({ ...prev, ...results }, null, 2)}\n`);
  return file;
}

/**
 * `kfc test`: each image's suites against REPO/IMAGE:TAG (or `imageRef`); with `record`, the
 * results go to reports/tests.json. Fails (exit 1) naming how many images failed.
 */
export async function testImages(
  catalog: Catalog,
  nodes: ImageNode[],
  opts: Omit<RunSuitesOptions, 'refOf'> & { repo?: string; tag?: string; imageRef?: string; record: boolean },
): Promise<Record<string, SuiteResult>> {
  await requireEngine();
  const refs = await resolveRefs(catalog, opts);
  const refOf = (n: ImageNode) => opts.imageRef ?? refs.refOf(n);
  const results = await runSuites(catalog, nodes, { ...opts, refOf });
  const out = opts.out ?? ((s: string) => process.stdout.write(s));
  for (const [name, r] of Object.entries(results)) out(`${summaryLine(name, r)}\n`);
  if (opts.record) recordResults(catalog.root, results);
  const failed = Object.values(results).filter((r) => !r.ok).length;
  if (failed)
    throw new KfcError(`${failed} of ${nodes.length} image(s) failed their tests`, {
      exitCode: 1,
      hint: 'see the test output above',
    });
  return results;
}
