/** Waiting for something to become true: the one polling loop kfc and its tests use. */

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Give up early when this turns true (e.g. the process being waited on exited). */
  stop?: () => boolean;
}

/**
 * Calls `attempt` until it returns a value other than undefined, then returns it; undefined when
 * `timeoutMs` passes or `stop()` turns true first. An exception from `attempt` ends the wait.
 */
export async function poll<T>(attempt: () => Promise<T | undefined>, opts: PollOptions): Promise<T | undefined> {
  const t0 = Date.now();
  while (Date.now() - t0 < opts.timeoutMs && !opts.stop?.()) {
    const value = await attempt();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
  return undefined;
}
