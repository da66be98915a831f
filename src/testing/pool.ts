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
