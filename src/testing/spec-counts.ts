/** The closing counts of a node:test spec reporter run (pure): `ℹ pass N`, `ℹ fail N`, … */

import { stripVTControlCharacters } from 'node:util';

export interface SpecCounts {
  tests: number;
  pass: number;
  fail: number;
  cancelled: number;
  skipped: number;
  todo: number;
}

const NAMES = ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo'] as const;

/** The counts of the run's summary (its last one), or undefined when the run printed none (it crashed). */
export function specCounts(output: string): SpecCounts | undefined {
  const found: Partial<Record<(typeof NAMES)[number], number>> = {};
  for (const raw of output.split('\n')) {
    const m = /^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)\s*$/.exec(stripVTControlCharacters(raw).trim());
    if (m) found[m[1] as (typeof NAMES)[number]] = Number(m[2]);
  }
  if (found.pass === undefined || found.fail === undefined) return undefined;
  return {
    tests: found.tests ?? found.pass + found.fail,
    pass: found.pass,
    fail: found.fail,
    cancelled: found.cancelled ?? 0,
    skipped: found.skipped ?? 0,
    todo: found.todo ?? 0,
  };
}
