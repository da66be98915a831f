/**
 * Reads `docker buildx bake --progress plain` output: per target, how many Dockerfile steps ran
 * and how many BuildKit answered from its cache. Lines look like `#12 [jupyterlab-cpu stage-0 4/19] RUN …`
 * (target, optional stage, step k/n) then `#12 CACHED` or `#12 DONE 3.1s`. The FROM step is not
 * counted (it is resolved, never cached or run), nor `[target internal]` housekeeping vertices.
 */
interface TargetSteps {
  steps: number;
  cached: number;
}

export interface BakeProgressSummary {
  targets: Record<string, TargetSteps>;
  /** The last `ERROR`/`error:` line, for a one-line failure message. */
  lastError?: string;
}

const STEP = /^#(\d+) \[(\S+)(?: \S+)?\s+(\d+)\/(\d+)\] (\S+)/;
const CACHED = /^#(\d+) CACHED$/;

export class BakeProgress {
  private vertexTarget = new Map<string, string>();
  private cachedVertices = new Set<string>();
  private lastError: string | undefined;

  /** Returns the step line when a new step vertex starts on this line (for progress output). */
  feed(line: string): { step?: string } {
    const step = STEP.exec(line);
    if (step) {
      const [, vertex, target, , , keyword] = step;
      if (keyword === 'FROM' || this.vertexTarget.has(vertex!)) return {};
      this.vertexTarget.set(vertex!, target!);
      return { step: line.replace(/^#\d+ /, '') };
    }
    const cached = CACHED.exec(line);
    if (cached && this.vertexTarget.has(cached[1]!)) this.cachedVertices.add(cached[1]!);
    else if (/^ERROR|^#\d+ ERROR|error:/.test(line)) this.lastError = line.replace(/^#\d+ /, '').trim();
    return {};
  }

  summary(): BakeProgressSummary {
    const targets: Record<string, TargetSteps> = {};
    for (const [vertex, target] of this.vertexTarget) {
      const t = targets[target] ?? { steps: 0, cached: 0 };
      t.steps++;
      if (this.cachedVertices.has(vertex)) t.cached++;
      targets[target] = t;
    }
    return { targets, lastError: this.lastError };
  }
}
