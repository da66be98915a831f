/**
 * What the image under test declares it offers (images.yaml `test.capabilities`, inherited from its
 * ancestors), read by the suites that check it: a declared capability that is missing fails the suite;
 * an undeclared one is skipped with the catalog as the reason, never guessed from the image.
 */

import { loadCatalog } from '../catalog/load.ts';
import type { Capability } from '../catalog/schema.ts';

const root = new URL('../..', import.meta.url).pathname;

/** The capabilities of KFC_TEST_NAME's catalog node and its ancestors. */
function declaredCapabilities(name = process.env.KFC_TEST_NAME): Set<Capability> {
  if (!name) throw new Error('KFC_TEST_NAME is not set: run the suite through kfc test');
  const node = loadCatalog(root, { readFiles: false }).nodes.get(name);
  if (!node) throw new Error(`KFC_TEST_NAME=${name} is not an image of images.yaml`);
  return new Set(node.chain.flatMap((n) => n.spec.test.capabilities));
}

/** The skip reason for a test of `cap`, or false when the image declares it (then the test must pass). */
export function unlessDeclared(cap: Capability): string | false {
  return declaredCapabilities().has(cap) ? false : `images.yaml declares no "${cap}" for ${process.env.KFC_TEST_NAME}`;
}
