/**
 * buildx's machine-readable progress (`--progress rawjson`, buildx 0.13+): BuildKit's SolveStatus
 * messages, each one JSON object, pretty-printed over several lines and written one after another on
 * stderr, where buildx also writes its own plain lines (`ERROR: failed to solve: …`). Pure.
 */

/** A BuildKit vertex: a step of a target, or an internal one (context, metadata, export). */
export interface Vertex {
  digest: string;
  name?: string;
  started?: string;
  completed?: string;
  cached?: boolean;
  error?: string;
}

/** Output of a running vertex (a RUN's stdout/stderr), base64. */
interface VertexLog {
  vertex: string;
  stream?: number;
  data?: string;
}

export interface SolveStatus {
  vertexes?: Vertex[];
  logs?: VertexLog[];
}

/**
 * Splits what buildx writes into JSON objects and plain lines. Tracks strings and nesting, so braces
 * inside a string or a multi-line object never cut it; text outside any object comes out by line.
 */
export class StatusStream {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private object = '';
  private text = '';

  feed(chunk: string): { statuses: SolveStatus[]; lines: string[] } {
    const statuses: SolveStatus[] = [];
    const lines: string[] = [];
    for (const c of chunk) {
      // An object starts at a line's start; a brace inside a plain line stays text.
      if (this.depth === 0 && (c !== '{' || this.text.trim())) {
        if (c === '\n') {
          if (this.text.trim()) lines.push(this.text.trimEnd());
          this.text = '';
        } else this.text += c;
        continue;
      }
      this.object += c;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
      } else if (c === '"') this.inString = true;
      else if (c === '{') this.depth++;
      else if (c === '}' && --this.depth === 0) {
        statuses.push(parseStatus(this.object));
        this.object = '';
      }
    }
    return { statuses, lines };
  }

  /** What is left when the stream ends: a last line without a newline. */
  end(): string[] {
    const rest = `${this.text}${this.object}`.trim();
    this.text = '';
    this.object = '';
    return rest ? [rest] : [];
  }
}

function parseStatus(text: string): SolveStatus {
  try {
    const o = JSON.parse(text) as SolveStatus;
    return { vertexes: Array.isArray(o.vertexes) ? o.vertexes : [], logs: Array.isArray(o.logs) ? o.logs : [] };
  } catch {
    return {};
  }
}

/** Seconds between two RFC 3339 times (BuildKit's own figure for a step), to 0.1 s as its plain log shows. */
export function secondsBetween(started: string | undefined, completed: string | undefined): number | undefined {
  if (!started || !completed) return undefined;
  const s = Date.parse(started);
  const c = Date.parse(completed);
  return Number.isFinite(s) && Number.isFinite(c) ? Math.max(0, Math.round((c - s) / 100) / 10) : undefined;
}

/** A log chunk as text. */
export function logText(log: VertexLog): string {
  return log.data ? Buffer.from(log.data, 'base64').toString('utf8') : '';
}
