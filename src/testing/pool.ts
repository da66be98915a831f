/**
 * Runs jobs a few at a time (pure scheduling): the ones that may share the machine `width` at a
 * time, then the ones that must run alone, one by one. Results come back in the jobs' order.
 */

export async function runPool<T, R>(
  jobs: T[],
  width: number,
  alone: (job: T) => boolean,
  run: (job: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(jobs.length);
  const shared = jobs.map((job, i) => ({ job, i })).filter((j) => !alone(j.job));
  let next = 0;
  const lane = async () => {
    while (next < shared.length) {
      const { job, i } = shared[next++]!;
      results[i] = await run(job);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, shared.length)) }, lane));
  for (const [i, job] of jobs.entries()) if (alone(job)) results[i] = await run(job);
  return results;
}

/**
 * Longest first (LPT), from the seconds each job last took: with lanes of equal width the longest file
 * never starts last and leaves the other lane idle. Unknown jobs count as long, since new suites often are.
 */
export function longestFirst<T>(jobs: T[], seconds: (job: T) => number | undefined, unknown = 60): T[] {
  return jobs
    .map((job, i) => ({ job, i, s: seconds(job) ?? unknown }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((j) => j.job);
}
