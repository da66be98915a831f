import { createHash } from 'node:crypto';
import type { Step } from './steps.ts';

/**
 * Step estimates from the last build. A step is known by its bit and its instruction text, not by its
 * number: adding a step earlier in the Dockerfile renumbers the rest but keeps their estimates, and
 * editing an instruction makes it a new step (its old duration says nothing about it). Pure.
 */

/** What the history keeps of one image: the seconds each step took the last time it ran (not cached). */
export interface ImageHistory {
  /** When the image was last built (ISO time). */
  at: string;
  /** step key → seconds */
  steps: Record<string, number>;
}

/** One key per step; identical instructions of the same bit are told apart by their occurrence. */
export function stepKeys(steps: Step[]): string[] {
  const seen = new Map<string, number>();
  return steps.map((s) => {
    const hash = createHash('sha256').update(`${s.origin.file}\0${s.text}`).digest('hex').slice(0, 16);
    const n = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, n);
    return n === 1 ? hash : `${hash}.${n}`;
  });
}

/** Remaining time: the known seconds, and how many steps still to run have never run before. */
export interface Remaining {
  seconds: number;
  unknown: number;
}

export class StepEstimator {
  private readonly known: (number | undefined)[];

  constructor(keys: string[], prior: ImageHistory | undefined) {
    this.known = keys.map((k) => prior?.steps[k]);
  }

  /** Seconds step k (1-based) took the last time it ran, if it ever did. */
  forStep(k: number): number | undefined {
    return this.known[k - 1];
  }

  get steps(): number {
    return this.known.length;
  }

  /** True when at least one step of the image has a duration from an earlier build. */
  get hasHistory(): boolean {
    return this.known.some((s) => s !== undefined);
  }

  /** The whole image, as if no step were cached. */
  total(): Remaining {
    return this.remaining(new Set(), new Map());
  }

  /**
   * What is left: every step neither finished nor running, plus what the running ones still
   * need (their estimate minus the time they have run, never below zero).
   */
  remaining(finished: ReadonlySet<number>, running: ReadonlyMap<number, number>): Remaining {
    let seconds = 0;
    let unknown = 0;
    for (const [i, est] of this.known.entries()) {
      const k = i + 1;
      if (finished.has(k)) continue;
      if (est === undefined) unknown++;
      else seconds += Math.max(0, est - (running.get(k) ?? 0));
    }
    return { seconds, unknown };
  }
}

/**
 * The image's new history: durations of the steps that ran this time; a cached step keeps the
 * duration of its last real run; steps no longer in the image are dropped.
 */
export function recordImage(
  prior: ImageHistory | undefined,
  keys: string[],
  ran: ReadonlyMap<number, number>,
  at: Date,
): ImageHistory {
  const steps: Record<string, number> = {};
  for (const [i, key] of keys.entries()) {
    const seconds = ran.get(i + 1) ?? prior?.steps[key];
    if (seconds !== undefined) steps[key] = seconds;
  }
  return { at: at.toISOString(), steps };
}
