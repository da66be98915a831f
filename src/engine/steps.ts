import { DockerfileParser } from 'dockerfile-ast';
import type { LineOrigin } from '../generate/generate.ts';

/** Instructions BuildKit numbers as [k/N] steps, in order. */
const STEP_KEYWORDS = new Set(['FROM', 'RUN', 'COPY', 'ADD', 'WORKDIR']);

export interface Step {
  index: number;
  keyword: string;
  origin: LineOrigin;
  /** The instruction as written, continuations joined and whitespace collapsed (a stable identity). */
  text: string;
}

/** Step k of a build (1-based) → the bit and line it came from. Pure. */
export function buildSteps(dockerfile: string, origins: LineOrigin[]): Step[] {
  const steps: Step[] = [];
  const lines = dockerfile.split('\n');
  for (const inst of DockerfileParser.parse(dockerfile).getInstructions()) {
    const kw = inst.getKeyword().toUpperCase();
    if (!STEP_KEYWORDS.has(kw)) continue;
    const { start, end } = inst.getRange();
    const text = lines
      .slice(start.line, end.line + 1)
      .join(' ')
      .replace(/\\\s/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    steps.push({
      index: steps.length + 1,
      keyword: kw,
      origin: origins[start.line] ?? { file: 'Dockerfile', line: start.line + 1 },
      text,
    });
  }
  return steps;
}

/** What one line of BuildKit's plain progress says about the steps. */
export interface StepEvent {
  /** Step k started (its header, first seen). */
  started?: number;
  /** Step k was served from the cache. */
  cached?: number;
  /** Step k finished after `seconds` of work (BuildKit's own figure). */
  done?: number;
  seconds?: number;
}

// A step's header: `#12 [ 4/19] RUN …`, or `#12 [stage-0  4/19] RUN …` when BuildKit names the stage
// (it does for our flat images too); the failure summary quotes it as ` > [stage-0  4/19] RUN …:`.
const STEP_HEADER = /^#(\d+) \[(?:[^\]\s]+\s+)?\s*(\d+)\/(\d+)\] /;
const FAILED_REF = /^ > \[(?:[^\]\s]+\s+)?\s*(\d+)\/(\d+)\] /;

/** Parses BuildKit's plain progress; tracks which vertex is which step and which failed. */
export class PlainProgress {
  private vertexStep = new Map<string, number>();
  private seenSteps = new Set<number>();
  failedStep: number | undefined;
  total = 0;
  lastStep = 0;
  cached = 0;

  /** Returns a step index when a new step starts, is cached or is done on this line. */
  feed(line: string): StepEvent {
    const start = STEP_HEADER.exec(line);
    if (start) {
      const [, vertex, k, n] = start;
      const isNew = !this.vertexStep.has(vertex!);
      this.vertexStep.set(vertex!, Number(k));
      this.total = Number(n);
      if (isNew && !this.seenSteps.has(Number(k))) {
        this.seenSteps.add(Number(k));
        this.lastStep = Math.max(this.lastStep, Number(k));
        return { started: Number(k) };
      }
      return {};
    }
    const cached = /^#(\d+) CACHED$/.exec(line);
    if (cached && this.vertexStep.has(cached[1]!)) {
      this.cached++;
      return { cached: this.vertexStep.get(cached[1]!) };
    }
    const done = /^#(\d+) DONE (\d+(?:\.\d+)?)s$/.exec(line);
    if (done && this.vertexStep.has(done[1]!)) return { done: this.vertexStep.get(done[1]!), seconds: Number(done[2]) };
    const err = /^#(\d+) ERROR/.exec(line);
    if (err && this.vertexStep.has(err[1]!)) this.failedStep = this.vertexStep.get(err[1]!);
    const failedRef = FAILED_REF.exec(line);
    if (failedRef && this.failedStep === undefined) this.failedStep = Number(failedRef[1]);
    return {};
  }
}
