/** Order statistics of timing samples (start times): pure, no engine. */

export interface TimingSummary {
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Interquartile range: q(0.75) − q(0.25). */
  iqrMs: number;
}

/** The p-quantile of ascending `sorted` samples, interpolated linearly between neighbours; NaN when empty. */
export function quantile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Median, extremes and IQR of `samples` (any order); every figure NaN when there are none. */
export function summarize(samples: number[]): TimingSummary {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) return { medianMs: NaN, minMs: NaN, maxMs: NaN, iqrMs: NaN };
  return {
    medianMs: quantile(s, 0.5),
    minMs: s[0]!,
    maxMs: s[s.length - 1]!,
    iqrMs: quantile(s, 0.75) - quantile(s, 0.25),
  };
}
