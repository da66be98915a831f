/** Interrupts (Ctrl-C, SIGTERM): the one place kfc hooks them, so every cleanup is registered alike. */

/** Calls `handler` on SIGINT or SIGTERM until the returned function is called. */
export function onInterrupt(handler: (signal: NodeJS.Signals) => void): () => void {
  const h = (signal: NodeJS.Signals) => handler(signal);
  process.on('SIGINT', h);
  process.on('SIGTERM', h);
  return () => {
    process.off('SIGINT', h);
    process.off('SIGTERM', h);
  };
}

/** The shell's exit code for a process ended by `signal` (128 + its number). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143;
}

/**
 * On SIGINT or SIGTERM runs `cleanup` (awaited when it returns a promise), then ends the process
 * with the signal's exit code, as the shell would: for work that leaves something behind when cut
 * short (temporary contexts, containers). The returned function unregisters it.
 */
export function cleanupOnInterrupt(cleanup: () => unknown): () => void {
  return onInterrupt((signal) => {
    void Promise.resolve()
      .then(cleanup)
      .finally(() => process.exit(signalExitCode(signal)));
  });
}
