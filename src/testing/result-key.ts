/**
 * The key of one suite file's result on one image (pure): `kfc test` serves a passing result again
 * only when nothing the run reads has changed. The key is a sha256 over named parts:
 * the image ID, the suite file and the digest of its whole import tree (and of the files its `reads:`
 * marker names), package-lock.json, the
 * catalog node (spec and chain), the versions of Node, the engine and Chromium, the test-name
 * filter, and the environment variables below that change what a suite does.
 */

import { digestParts } from '../cache/digest.ts';
import type { ImageNode } from '../catalog/model.ts';

/** Variables that change what the suites do, by name (src/testing/**, tests/images/** read them). */
const KEY_ENV_NAMES: Record<string, string> = {
  KFC_FIRST_CELL_RUNS: 'how many fresh containers first-cell.test.ts tries',
  KFC_CHROMIUM: 'the browser the browser suites drive',
  DOCKER_HOST: 'the engine the suites start containers on',
  DOCKER_CONTEXT: 'the engine, when DOCKER_HOST is unset',
  KFC_DOCKER: 'the docker CLI (upgrade.test.ts builds with it)',
  TESTCONTAINERS_HOST_OVERRIDE: 'where the published ports are reached',
  TESTCONTAINERS_RYUK_DISABLED: "testcontainers' reaper",
  CI: 'needs(): a missing part fails under CI=true instead of skipping',
  NODE_OPTIONS: 'flags of the test processes',
};

/** Every KFC_TEST_* variable counts too (a new suite knob is in the key by default), except these. */
const KEY_ENV_PREFIX = 'KFC_TEST_';

const KEY_ENV_EXCLUDED: Record<string, string> = {
  KFC_TEST_IMAGE: 'a reference; the image ID is in the key',
  KFC_TEST_NAME: 'the node names are in the key',
  KFC_TEST_CACHE: 'turns this cache off; changes no result',
  // scripts/test.mjs' selection: which images npm test builds and tests, with what tag; no suite reads
  // them, and what they change in an image changes its ID.
  KFC_TEST_SCOPE: 'npm test: which steps run',
  KFC_TEST_IMAGES: 'npm test: which images',
  KFC_TEST_REPO: 'npm test: the registry of the references',
  KFC_TEST_TAG: 'npm test: the tag of the references',
  KFC_TEST_BUILD_ARGS: 'npm test: build arguments (in the image ID)',
  KFC_TEST_VULNS: 'npm test: the report gate, not the suites',
};

/** The variables of `env` that are in the key, sorted by name (unset ones are left out). */
export function keyEnv(env: Record<string, string | undefined>): Record<string, string> {
  const names = Object.keys(env).filter(
    (n) => n in KEY_ENV_NAMES || (n.startsWith(KEY_ENV_PREFIX) && !(n in KEY_ENV_EXCLUDED)),
  );
  return Object.fromEntries(
    names.sort().flatMap((n) => (env[n] === undefined ? [] : [[n, env[n] as string] as const])),
  );
}

/** JSON with object keys sorted at every level, so equal values always serialise the same. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** What a suite file's key is made of; each is already a string or a digest. */
export interface SuiteKeyInput {
  /** The suite file, relative to the catalog root. */
  file: string;
  /** `docker image inspect` .Id of the image under test. */
  imageId: string;
  /** digestFiles of the suite file's import tree. */
  imports: string;
  /** digestFiles of what its `kfc-test: reads:` marker names (absent without the marker). */
  reads?: string;
  /** digestFiles of package-lock.json. */
  lockfile: string;
  node: Pick<ImageNode, 'spec' | 'chain'>;
  versions: { node: string; engine: string; chromium: string };
  /** The environment of the test process (only the key's variables are used). */
  env: Record<string, string | undefined>;
  /** --only: a test-name filter runs (and stores) a part of the file. */
  only?: string;
}

/** The named parts of the key, in a fixed order (stored with the entry for people reading it). */
export function suiteKeyParts(k: SuiteKeyInput): Record<string, string> {
  return {
    file: k.file,
    image: k.imageId,
    imports: k.imports,
    reads: k.reads ?? '',
    lockfile: k.lockfile,
    node: stableJson({ spec: k.node.spec, chain: k.node.chain.map((n) => n.name) }),
    node_version: k.versions.node,
    engine_version: k.versions.engine,
    chromium_version: k.versions.chromium,
    env: stableJson(keyEnv(k.env)),
    only: k.only ?? '',
  };
}

/** The key: sha256 (hex) of the named parts. */
export function suiteKey(parts: Record<string, string>): string {
  return digestParts(parts);
}
