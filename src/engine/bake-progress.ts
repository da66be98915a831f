import type { ImageNode } from '../catalog/model.ts';
import { stepKeys } from './estimate.ts';
import { logText, type SolveStatus, secondsBetween, type Vertex } from './solve-status.ts';
import type { Step, StepEvent } from './steps.ts';

/**
 * One bake run's progress, from buildx's SolveStatus messages, as step events of the family's images.
 * Pure.
 *
 * Vertex names carry the target and the step: `[jupyterlab-cpu 4/19] RUN …` (a stage name may sit
 * between them; a run of one target has no target name). A child's Dockerfile starts with its
 * parent's, so the two share their first steps: BuildKit runs such a step once, and may report it
 * under either target, under both, or (when it merged the child's step into the parent's) under one
 * only. So a step is counted for its owner, the most distant ancestor in this build whose first k
 * steps (and build args) are the child's, and what happens to it counts for every image that
 * shares it: one line per step that ran, however many targets reported it.
 */

/** One image of the run. */
export interface ImagePlan {
  image: string;
  /** Its bake target name. */
  target: string;
  steps: Step[];
  /** Step k's owner at index k-1: this image, or the ancestor it shares the step with. */
  owners: string[];
  /**
   * The root base comes from a named context (--base-ref): BuildKit then has no FROM vertex and numbers
   * the steps after it from 1, so its step k is our step k+1.
   */
  baseFromContext?: boolean;
}

/** An image's steps and the owner of each. The nodes come parents first and hold every ancestor built. */
export function imagePlans(
  nodes: { node: ImageNode; target: string; steps: Step[]; baseFromContext?: boolean }[],
  sameArgs: (a: ImageNode, b: ImageNode) => boolean,
): ImagePlan[] {
  const keys = new Map(nodes.map((n) => [n.node.name, stepKeys(n.steps)]));
  const built = new Map(nodes.map((n) => [n.node.name, n.node]));
  return nodes.map(({ node, target, steps, baseFromContext }) => {
    const own = keys.get(node.name)!;
    const owners = steps.map((_, i) => {
      let owner = node.name;
      for (let p = node.parent; p && built.has(p.name) && sameArgs(p, node); p = p.parent) {
        const theirs = keys.get(p.name)!;
        if (theirs.length <= i || own.slice(0, i + 1).some((k, j) => theirs[j] !== k)) break;
        owner = p.name;
      }
      return owner;
    });
    return { image: node.name, target, steps, owners, baseFromContext };
  });
}

/** A step event of one owner's step: it counts for every image that shares the step. */
export interface OwnedEvent {
  owner: string;
  ev: StepEvent;
}

/** Why the run failed: the first step (or vertex) that reported an error. */
export interface BakeFailure {
  image?: string;
  step?: number;
  error: string;
  /** The last lines the failing vertex wrote. */
  tail: string[];
}

interface Seen {
  /** `#n` of the plain log. */
  n: number;
  name: string;
  started: boolean;
  completed: boolean;
  logs: string[];
  /** Log text after the last newline: BuildKit cuts a step's output into chunks mid-line. */
  partial: string;
}

const BRACKET = /^\[([^\]]*)\]\s*(.*)$/;
const STEP = /^(\d+)\/(\d+)$/;
const CANCELLED = /context canceled|\bcanceled\b|cancelled/i;
const IGNORED = /\] importing cache manifest from /;

export class BakeProgress {
  private readonly byTarget: Map<string, ImagePlan>;
  private readonly single: ImagePlan | undefined;
  private readonly vertices = new Map<string, Seen>();
  /** digest → the first vertex key seen with it (logs carry the digest only). */
  private readonly byDigest = new Map<string, string>();
  private readonly slots = new Map<string, 'started' | 'finished'>();
  private readonly failures: BakeFailure[] = [];
  private counter = 0;

  constructor(plans: ImagePlan[]) {
    this.byTarget = new Map(plans.map((p) => [p.target, p]));
    this.single = plans.length === 1 ? plans[0] : undefined;
  }

  /** Which images share owner's step k (the owner included). */
  sharers(owner: string, k: number): string[] {
    return [...this.byTarget.values()].filter((p) => p.owners[k - 1] === owner).map((p) => p.image);
  }

  /**
   * Reads one message: the step events it brings (once per owned step), the plain lines a log file
   * shows for it (as `--progress plain` would), and the images whose export finished.
   */
  feed(status: SolveStatus): { events: OwnedEvent[]; lines: string[]; exported: string[] } {
    const events: OwnedEvent[] = [];
    const lines: string[] = [];
    const exported: string[] = [];
    for (const v of status.vertexes ?? []) {
      const where = this.locate(v.name ?? '');
      const key = `${v.digest}\0${v.name ?? ''}`;
      let seen = this.vertices.get(key);
      if (!seen) {
        seen = { n: ++this.counter, name: v.name ?? v.digest, started: false, completed: false, logs: [], partial: '' };
        this.vertices.set(key, seen);
        if (!this.byDigest.has(v.digest)) this.byDigest.set(v.digest, key);
      }
      if (v.started && !seen.started) {
        seen.started = true;
        lines.push(`#${seen.n} ${seen.name}`);
      }
      if (where?.step !== undefined) events.push(...this.stepEvents(where.plan, where.step, v));
      if (v.completed && !seen.completed) {
        seen.completed = true;
        this.logLines(seen, '\n', lines);
        lines.push(`#${seen.n} ${completion(v)}`);
        // A registry cache not written yet is a miss, not a failure.
        if (v.error && !IGNORED.test(seen.name)) this.fail(where?.plan, where?.step, v.error, seen.logs);
        else if (where?.exporting) exported.push(where.plan.image);
      }
    }
    for (const log of status.logs ?? []) {
      const seen = this.vertices.get(this.byDigest.get(log.vertex) ?? '');
      if (seen) this.logLines(seen, seen.completed ? `${logText(log)}\n` : logText(log), lines);
    }
    return { events, lines, exported };
  }

  /** A vertex's whole log lines, joined across chunks; the text after the last newline waits for the next. */
  private logLines(seen: Seen, text: string, lines: string[]): void {
    const parts = (seen.partial + text).split('\n');
    seen.partial = parts.pop() ?? '';
    for (const line of parts.filter((l) => l.trim())) {
      lines.push(`#${seen.n} ${line}`);
      seen.logs.push(line);
      if (seen.logs.length > 40) seen.logs.shift();
    }
  }

  /**
   * The error that failed the run: a step's before any other vertex's, and a real one before the
   * cancellations it caused in other targets.
   */
  failure(): BakeFailure | undefined {
    const real = this.failures.filter((f) => !CANCELLED.test(f.error));
    return real.find((f) => f.step) ?? real[0] ?? this.failures[0];
  }

  private stepEvents(plan: ImagePlan, k: number, v: Vertex): OwnedEvent[] {
    const owner = plan.owners[k - 1];
    if (!owner) return [];
    const slot = `${owner}\0${k}`;
    const state = this.slots.get(slot);
    const out: OwnedEvent[] = [];
    if (v.started && !state) {
      this.slots.set(slot, 'started');
      out.push({ owner, ev: { started: k } });
    }
    if (v.completed && !v.error && this.slots.get(slot) !== 'finished') {
      this.slots.set(slot, 'finished');
      const ev = v.cached ? { cached: k } : { done: k, seconds: secondsBetween(v.started, v.completed) };
      out.push({ owner, ev });
    }
    return out;
  }

  private fail(plan: ImagePlan | undefined, step: number | undefined, error: string, logs: string[]): void {
    const image = plan && step ? (plan.owners[step - 1] ?? plan.image) : plan?.image;
    this.failures.push({ image, step, error, tail: [...logs] });
  }

  /** The image (and step, or export) a vertex name speaks of; undefined for the run's own vertices. */
  private locate(name: string): { plan: ImagePlan; step?: number; exporting?: boolean } | undefined {
    const m = BRACKET.exec(name);
    const words = m ? m[1]!.split(/\s+/).filter(Boolean) : [];
    const rest = m ? m[2]! : name;
    let plan = this.single;
    if (!plan) {
      plan = this.byTarget.get(words[0] ?? '');
      if (!plan) return undefined;
      words.shift();
    }
    const step = STEP.exec(words.at(-1) ?? '');
    if (step) return { plan, step: Number(step[1]) + (plan.baseFromContext ? 1 : 0) };
    if (words.length === 0 && /^exporting to /.test(rest)) return { plan, exporting: true };
    return { plan };
  }
}

function completion(v: Vertex): string {
  if (v.error) return `ERROR: ${v.error}`;
  if (v.cached) return 'CACHED';
  return `DONE ${(secondsBetween(v.started, v.completed) ?? 0).toFixed(1)}s`;
}
