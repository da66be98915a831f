import { test } from 'node:test';

/**
 * The skip option of a suite that needs a part of the machine (engine, root base, Chromium).
 * Locally a missing part skips the suite with its reason; in CI (CI=true) the run also gets one
 * failing test naming the part, because a suite that cannot run there must not pass.
 */
export function needs(missing: string | false | undefined): string | false {
  if (!missing) return false;
  if (process.env.CI === 'true') {
    test(`required part is missing in CI: ${missing}`, () => {
      throw new Error(`${missing}: in CI (CI=true) every part a suite needs must be present`);
    });
  }
  return missing;
}
