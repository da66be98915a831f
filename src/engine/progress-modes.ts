/** kfc build's --progress modes: a module of their own, so the CLI checks one without loading the build. */
export type ProgressMode = 'auto' | 'tty' | 'lines' | 'plain' | 'quiet';
export const PROGRESS_MODES: ProgressMode[] = ['auto', 'tty', 'lines', 'plain', 'quiet'];
