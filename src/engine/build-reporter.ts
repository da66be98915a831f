import { createLogUpdate } from 'log-update';
import { isCi } from '../log/ci-log.ts';
import type { ImageProgress } from './image-progress.ts';
import { lastRun, statusLine, stepLabel, timestamp } from './progress-format.ts';
import type { ProgressMode } from './progress-modes.ts';
import type { StepEvent } from './steps.ts';

/**
 * How `kfc build` shows its progress:
 * - tty:   a live status line per running image (step, bit, elapsed, estimate), redrawn in place;
 * - lines: one timestamped line per step event, for CI logs and pipes;
 * - plain: BuildKit's own output;
 * - quiet: start and end lines only.
 * `auto` is tty on a terminal outside CI, lines otherwise.
 */

export interface BuildReporter {
  /** A line that stays (titles, notes, results). */
  message(line: string): void;
  /** One line of the build's plain log. */
  raw(line: string): void;
  /** The images of the run start (parents first); they build concurrently. */
  begin(images: ImageProgress[]): void;
  /** A step event of `p`'s step, already applied to the progress of every image that shares it. */
  event(p: ImageProgress, ev: StepEvent): void;
  /** An image is built: it leaves the live view. */
  finish(p: ImageProgress): void;
  /** The run ended (either way): the live view goes away. */
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
  return { message: write, raw: () => {}, begin: () => {}, event: () => {}, finish: () => {}, end: () => {} };
}

function plainReporter(write: Write): BuildReporter {
  return { ...quietReporter(write), raw: write };
}

/**
 * Timestamped lines. A step's start line waits (at most `holdMs`) for its outcome so that a cached
 * or instant step takes one line ("… cached", "… done in 0.1 s") instead of two; each image holds
 * its own, as the images build at the same time.
 */
export function linesReporter(write: Write, now: () => Date = () => new Date(), holdMs = 1000): BuildReporter {
  const held = new Map<string, { k: number; text: string; timer: NodeJS.Timeout }>();
  const out = (text: string) => {
    const at = timestamp(now());
    for (const line of text.split('\n')) write(`${at} ${line}`);
  };
  const flush = (image: string, suffix = '') => {
    const h = held.get(image);
    if (!h) return;
    clearTimeout(h.timer);
    held.delete(image);
    out(h.text + suffix);
  };
  const flushAll = () => {
    for (const image of [...held.keys()]) flush(image);
  };
  return {
    message(line) {
      flushAll();
      out(line);
    },
    raw: () => {},
    begin: () => {},
    event(p, ev) {
      const prefix = `  ${p.image}: step`;
      const mine = held.get(p.image);
      if (ev.cached && mine?.k === ev.cached) return flush(p.image, ' cached');
      if (ev.done && mine?.k === ev.done) return flush(p.image, ` done in ${ev.seconds?.toFixed(1)} s`);
      flush(p.image);
      if (ev.started) {
        const step = p.steps[ev.started - 1];
        const what = step ? ` ${stepLabel(step)}` : '';
        const text = `${prefix} ${ev.started}/${p.steps.length}${what}${lastRun(p.estimator.forStep(ev.started))}`;
        held.set(p.image, { k: ev.started, text, timer: setTimeout(() => flush(p.image), holdMs).unref() });
      } else if (ev.cached) out(`${prefix} ${ev.cached}/${p.steps.length} cached`);
      else if (ev.done) out(`${prefix} ${ev.done}/${p.steps.length} done in ${ev.seconds?.toFixed(1)} s`);
    },
    finish: (p) => flush(p.image),
    end: flushAll,
  };
}

/**
 * The live terminal view: a status line per image still building, redrawn in place (log-update);
 * messages scroll above it.
 */
function ttyReporter(stream: NodeJS.WriteStream, refreshMs = 500): BuildReporter {
  const view = createLogUpdate(stream, { showCursor: true });
  let running: ImageProgress[] = [];
  let timer: NodeJS.Timeout | undefined;
  const fit = (line: string) =>
    stream.columns && line.length >= stream.columns ? line.slice(0, stream.columns - 2) + '…' : line;
  const draw = () => {
    const now = performance.now();
    if (running.length) view(running.map((p) => fit(statusLine(p, now))).join('\n'));
    else view.clear();
  };
  return {
    message(line) {
      // Written past log-update (its persist() clips to the terminal's height, which can read 0).
      view.clear();
      stream.write(`${line}\n`);
      draw();
    },
    raw: () => {},
    begin(images) {
      running = [...images];
      timer = setInterval(draw, refreshMs).unref();
      draw();
    },
    event: draw,
    finish(p) {
      running = running.filter((r) => r !== p);
      draw();
    },
    end() {
      clearInterval(timer);
      running = [];
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
