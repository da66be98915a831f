import { createLogUpdate } from 'log-update';
import { isCi } from '../log/ci-log.ts';
import type { ImageProgress } from './image-progress.ts';
import { lastRun, statusLine, stepLabel, timestamp } from './progress-format.ts';
import type { StepEvent } from './steps.ts';

/**
 * How `kfc build` shows its progress:
 * - tty:   a live status line per running image (step, bit, elapsed, estimate), redrawn in place;
 * - lines: one timestamped line per step event, for CI logs and pipes;
 * - plain: BuildKit's own output;
 * - quiet: start and end lines only.
 * `auto` is tty on a terminal outside CI, lines otherwise.
 */
export type ProgressMode = 'auto' | 'tty' | 'lines' | 'plain' | 'quiet';
export const PROGRESS_MODES: ProgressMode[] = ['auto', 'tty', 'lines', 'plain', 'quiet'];

export interface BuildReporter {
  /** A line that stays (titles, notes, results). */
  message(line: string): void;
  /** One line of BuildKit's output. */
  raw(line: string): void;
  /** An image starts building. */
  begin(p: ImageProgress): void;
  /** A step event, already applied to the image's progress. */
  event(ev: StepEvent): void;
  /** The image's build ended (either way): the live view goes away. */
  end(): void;
}

export function resolveMode(
  mode: ProgressMode | undefined,
  stream: { isTTY?: boolean; columns?: number },
  env: NodeJS.ProcessEnv = process.env,
): Exclude<ProgressMode, 'auto'> {
  if (mode && mode !== 'auto') return mode;
  // A terminal that reports no width (some CI pseudo-terminals) cannot hold a status line.
  return stream.isTTY && (stream.columns ?? 0) > 0 && !isCi(env) ? 'tty' : 'lines';
}

type Write = (line: string) => void;

function quietReporter(write: Write): BuildReporter {
  return { message: write, raw: () => {}, begin: () => {}, event: () => {}, end: () => {} };
}

function plainReporter(write: Write): BuildReporter {
  return { ...quietReporter(write), raw: write };
}

/**
 * Timestamped lines. A step's start line waits (at most `holdMs`) for its outcome so that a cached
 * or instant step takes one line ("… cached", "… done in 0.1 s") instead of two.
 */
export function linesReporter(write: Write, now: () => Date = () => new Date(), holdMs = 1000): BuildReporter {
  let p: ImageProgress | undefined;
  let held: { k: number; text: string; timer: NodeJS.Timeout } | undefined;
  const out = (text: string) => {
    const at = timestamp(now());
    for (const line of text.split('\n')) write(`${at} ${line}`);
  };
  const flush = (suffix = '') => {
    if (!held) return;
    clearTimeout(held.timer);
    out(held.text + suffix);
    held = undefined;
  };
  return {
    message(line) {
      flush();
      out(line);
    },
    raw: () => {},
    begin(next) {
      p = next;
    },
    event(ev) {
      if (!p) return;
      const prefix = `  ${p.image}: step`;
      if (ev.cached && held?.k === ev.cached) return flush(' cached');
      if (ev.done && held?.k === ev.done) return flush(` done in ${ev.seconds?.toFixed(1)} s`);
      flush();
      if (ev.started) {
        const step = p.steps[ev.started - 1];
        const what = step ? ` ${stepLabel(step)}` : '';
        const text = `${prefix} ${ev.started}/${p.steps.length}${what}${lastRun(p.estimator.forStep(ev.started))}`;
        held = { k: ev.started, text, timer: setTimeout(() => flush(), holdMs).unref() };
      } else if (ev.cached) out(`${prefix} ${ev.cached}/${p.steps.length} cached`);
      else if (ev.done) out(`${prefix} ${ev.done}/${p.steps.length} done in ${ev.seconds?.toFixed(1)} s`);
    },
    end() {
      flush();
      p = undefined;
    },
  };
}

/** The live terminal view (log-update redraws the status line in place; messages scroll above it). */
function ttyReporter(stream: NodeJS.WriteStream, refreshMs = 500): BuildReporter {
  const view = createLogUpdate(stream, { showCursor: true });
  let p: ImageProgress | undefined;
  let timer: NodeJS.Timeout | undefined;
  const fit = (line: string) =>
    stream.columns && line.length >= stream.columns ? line.slice(0, stream.columns - 2) + '…' : line;
  const draw = () => {
    if (p) view(fit(statusLine(p, performance.now())));
  };
  return {
    message(line) {
      // Written past log-update (its persist() clips to the terminal's height, which can read 0).
      view.clear();
      stream.write(`${line}\n`);
      draw();
    },
    raw: () => {},
    begin(next) {
      p = next;
      timer = setInterval(draw, refreshMs).unref();
      draw();
    },
    event: draw,
    end() {
      clearInterval(timer);
      p = undefined;
      view.clear();
    },
  };
}

export function createReporter(mode: ProgressMode | undefined, write: Write, stream = process.stderr): BuildReporter {
  switch (resolveMode(mode, stream)) {
    case 'tty':
      return ttyReporter(stream);
    case 'plain':
      return plainReporter(write);
    case 'quiet':
      return quietReporter(write);
    default:
      return linesReporter(write);
  }
}
