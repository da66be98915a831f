/**
 * `kfc test`: runs an image's suites (general, inherited, its own) with node:test in a fresh
 * process per image, against the image named by KFC_TEST_IMAGE.
 */

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import writeFileAtomic from 'write-file-atomic';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { imageExists, requireEngine } from '../engine/docker.ts';
import { resolveRefs } from '../engine/refs.ts';
import { KfcError } from '../errors.ts';
import { suiteFiles } from './suites.ts';

export interface SuiteResult {
  ok: boolean;
  files: string[];
  at: string;
}

export interface RunSuitesOptions {
  /** The reference to test for each image. */
  refOf: (node: ImageNode) => string;
  /** NB_PREFIX of the containers (random by default). */
  prefix?: string;
  /** Only tests whose name matches. */
  only?: string;
  log?: (line: string) => void;
  /** Extra environment for the suites and the image check, e.g. DOCKER_HOST of another engine. */
  env?: Record<string, string>;
}

function withoutTestContext(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[0] !== 'NODE_TEST_CONTEXT' && e[1] !== undefined),
  );
}

/** Runs every image's suites; returns a result per image (it throws only on bad input). */
export async function runSuites(
  catalog: Catalog,
  nodes: ImageNode[],
  opts: RunSuitesOptions,
): Promise<Record<string, SuiteResult>> {
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const results: Record<string, SuiteResult> = {};
  for (const node of nodes) {
    const image = opts.refOf(node);
    const files = suiteFiles(catalog.root, node);
    if (files.length === 0) {
      throw new KfcError(`no test suites for ${node.name}`, { hint: `add tests under tests/images/${node.name}/` });
    }
    if (!(await imageExists(image, opts.env))) {
      throw new KfcError(`image ${image} is not in the local store`, { hint: `kfc build ${node.name} (or kfc pull)` });
    }
    log(`kfc test: ${node.name} (${image}): ${files.length} file(s)`);
    const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec'];
    if (opts.only) args.push('--test-name-pattern', opts.only);
    const res = await execa(process.execPath, [...args, ...files], {
      cwd: catalog.root,
      reject: false,
      stdio: 'inherit',
      // A fresh test run even when kfc test itself runs inside node:test (NODE_TEST_CONTEXT).
      extendEnv: false,
      env: {
        ...withoutTestContext(process.env),
        ...opts.env,
        KFC_TEST_IMAGE: image,
        KFC_TEST_NAME: node.name,
        KFC_TEST_READY: node.spec.test.ready,
        ...(opts.prefix ? { KFC_TEST_PREFIX: opts.prefix } : {}),
      },
    });
    results[node.name] = { ok: res.exitCode === 0, files, at: new Date().toISOString() };
  }
  return results;
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
  if (opts.record) recordResults(catalog.root, results);
  const failed = Object.values(results).filter((r) => !r.ok).length;
  if (failed)
    throw new KfcError(`${failed} of ${nodes.length} image(s) failed their tests`, {
      exitCode: 1,
      hint: 'see the test output above',
    });
  return results;
}
