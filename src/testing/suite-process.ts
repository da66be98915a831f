/**
 * One suite file in its own node:test process (spec reporter), its output held until it ends so
 * that files running side by side never interleave (as `go test` prints a package at a time).
 */

import { execa } from 'execa';
import { type SpecCounts, specCounts } from './spec-counts.ts';

export interface SuiteRun {
  /** exit 0 and the summary counts no failure: the only kind of run that is stored. */
  ok: boolean;
  exitCode: number | undefined;
  /** stdout and stderr as they came. */
  output: string;
  counts: SpecCounts | undefined;
  seconds: number;
}

export async function runSuiteFile(
  file: string,
  opts: { cwd: string; env: Record<string, string>; only?: string },
): Promise<SuiteRun> {
  // tsx from kfc's own node_modules, so that a catalog outside the checkout (--root) runs too.
  const args = ['--import', import.meta.resolve('tsx'), '--test', '--test-reporter=spec'];
  if (opts.only) args.push('--test-name-pattern', opts.only);
  const t0 = performance.now();
  const res = await execa(process.execPath, [...args, file], {
    cwd: opts.cwd,
    reject: false,
    all: true,
    stdin: 'ignore',
    stripFinalNewline: false,
    maxBuffer: 512 * 1024 * 1024,
    // A fresh test run even when kfc test itself runs inside node:test (the caller drops NODE_TEST_CONTEXT).
    extendEnv: false,
    env: opts.env,
  });
  const output = res.all ?? '';
  const counts = specCounts(output);
  const ok = res.exitCode === 0 && counts !== undefined && counts.fail === 0 && counts.cancelled === 0;
  return { ok, exitCode: res.exitCode, output, counts, seconds: (performance.now() - t0) / 1000 };
}
