import type { Remaining, StepEstimator } from './estimate.ts';
import type { ImageProgress } from './image-progress.ts';
import type { Step } from './steps.ts';

/** The words and numbers of build progress, for the terminal view and for CI lines alike. Pure. */

/** Elapsed time as a clock: 0:07, 12:30, 1:02:05. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
}

/** A rough duration: 4s, 3m05s, 1h02m. */
export function roughly(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** "RUN docker-bits/x.Dockerfile:3": the instruction and the bit line it came from. */
export function stepLabel(step: Step): string {
  const at = `${step.origin.file}${step.origin.line ? `:${step.origin.line}` : ''}`;
  return `${step.keyword} ${at}`;
}

/** "(last run 14.2 s)" when the step ran in an earlier build. */
export function lastRun(seconds: number | undefined): string {
  return seconds === undefined ? '' : ` (last run ${seconds.toFixed(1)} s)`;
}

/** No history, or only instant steps timed (FROM, say) beside untimed ones: no estimate at all. */
function noEstimate(rem: Remaining, estimator: StepEstimator): boolean {
  return !estimator.hasHistory || (rem.unknown > 0 && rem.seconds < 0.5);
}

function leftText(rem: Remaining, estimator: StepEstimator): string {
  if (noEstimate(rem, estimator)) return 'no estimate yet';
  const extra = rem.unknown ? ` + ${rem.unknown} untimed step${rem.unknown > 1 ? 's' : ''}` : '';
  return `~${roughly(rem.seconds)} left${extra}`;
}

/** What the image's steps took the last time each ran, for its title line. */
export function imageEstimate(estimator: StepEstimator): string {
  const t = estimator.total();
  if (noEstimate(t, estimator)) return '';
  const n = estimator.steps;
  return ` (last run: ${roughly(t.seconds)}${t.unknown ? ` for ${n - t.unknown} of ${n} steps` : ''})`;
}

/** The terminal's status line of a running image. */
export function statusLine(p: ImageProgress, nowMs: number): string {
  const cur = p.current();
  const elapsed = clock((nowMs - p.startedMs) / 1000);
  const head = `${p.image} [${p.position}]`;
  if (!cur) return `${head}  starting  ${elapsed}`;
  const step = `step ${cur.index}/${p.steps.length} ${stepLabel(cur)}`;
  return `${head}  ${step}  ${elapsed}  ${leftText(p.remaining(nowMs), p.estimator)}`;
}

/** "08:12:03": UTC time of day, the prefix of every CI line. */
export function timestamp(at: Date): string {
  return at.toISOString().slice(11, 19);
}
