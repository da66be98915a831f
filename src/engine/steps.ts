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

/** What BuildKit's progress says about a step. */
export interface StepEvent {
  /** Step k started (its header, first seen). */
  started?: number;
  /** Step k was served from the cache. */
  cached?: number;
  /** Step k finished after `seconds` of work (BuildKit's own figure). */
  done?: number;
  seconds?: number;
}
