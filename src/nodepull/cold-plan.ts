/**
 * The runs of a cold-node benchmark (`kfc node-pull --cold`): for each named image, a fresh node that
 * holds only its parent (pulled first, not timed: the parent's image brings its whole chain), then a
 * fresh node that holds nothing. A root image has only the second case. Which images the registry must
 * hold before each run, and which it no longer needs after. Pure.
 */

export interface ColdPlanNode {
  name: string;
  /** The parent when it is built here (and so can be on the node); none for a root. */
  parent?: string;
}

import type { ColdCase } from '../report/cold-figures.ts';

export interface ColdRun {
  image: string;
  case: ColdCase;
  /** Pulled into the fresh node before the timed pull (untimed). */
  preload: string[];
  /** Images pushed to the registry before this run (each pushed once, at its first use). */
  push: string[];
  /** Images the registry no longer needs after this run (no later run pulls them). */
  dropAfter: string[];
}

export function coldPlan(named: readonly ColdPlanNode[]): ColdRun[] {
  const cases = named.flatMap((n) =>
    [
      ...(n.parent ? [{ image: n.name, case: 'parent present' as const, preload: [n.parent] }] : []),
      { image: n.name, case: 'nothing present' as const, preload: [] as string[] },
    ].map((c) => ({ ...c, needs: [...c.preload, c.image] })),
  );
  const pushed = new Set<string>();
  return cases.map(({ needs, ...c }, i) => {
    const push = needs.filter((x) => !pushed.has(x));
    for (const x of push) pushed.add(x);
    const later = new Set(cases.slice(i + 1).flatMap((l) => l.needs));
    const dropAfter = [...pushed].filter((x) => !later.has(x));
    for (const x of dropAfter) pushed.delete(x);
    return { ...c, push, dropAfter };
  });
}
