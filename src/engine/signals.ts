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
