import type { Remaining, StepEstimator } from './estimate.ts';
import type { Step, StepEvent } from './steps.ts';

/** Where one image's build stands: which steps run, which finished, how long each took. Pure (clock passed in). */
export class ImageProgress {
  readonly finished = new Set<number>();
  readonly cached = new Set<number>();
  /** step → seconds BuildKit reports for the steps that ran (not cached) */
  readonly ran = new Map<number, number>();
  private readonly startedAt = new Map<number, number>();

  constructor(
    readonly image: string,
    /** "i/n" in the family build */
    readonly position: string,
    readonly steps: Step[],
    readonly estimator: StepEstimator,
    /** ms, same clock as apply() */
    readonly startedMs: number,
  ) {}

  apply(ev: StepEvent, nowMs: number): void {
    if (ev.started) this.startedAt.set(ev.started, nowMs);
    if (ev.cached) {
      this.cached.add(ev.cached);
      this.finished.add(ev.cached);
    }
    if (ev.done && !this.cached.has(ev.done)) {
      this.ran.set(ev.done, ev.seconds ?? (nowMs - (this.startedAt.get(ev.done) ?? nowMs)) / 1000);
      this.finished.add(ev.done);
    }
  }

  /** Running steps → seconds they have run. */
  running(nowMs: number): Map<number, number> {
    const out = new Map<number, number>();
    for (const [k, t] of this.startedAt) if (!this.finished.has(k)) out.set(k, (nowMs - t) / 1000);
    return out;
  }

  /** The step to show: the latest one still running, else the last one that started. */
  current(): Step | undefined {
    const started = [...this.startedAt.keys()];
    const running = started.filter((k) => !this.finished.has(k));
    const k = Math.max(...(running.length ? running : started));
    return this.steps[k - 1];
  }

  remaining(nowMs: number): Remaining {
    return this.estimator.remaining(this.finished, this.running(nowMs));
  }
}
