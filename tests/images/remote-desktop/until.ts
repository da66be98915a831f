// What the remote-desktop suites share: waiting for a desktop that comes up in its own time, with the
// image suites' one until() (tests/images/general/start-run.ts).

export { until } from '../general/start-run.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
