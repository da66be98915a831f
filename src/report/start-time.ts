/** Start time: `docker run` → the readiness URL under NB_PREFIX answers 200, over several starts. */

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { docker } from '../engine/docker.ts';
import { publishedPort } from '../engine/published-port.ts';
import { withThrowaway } from '../engine/throwaway.ts';
import { summarize } from '../metrics/stats.ts';
import type { StartOptions } from './engine.ts';
import { httpStatus } from './http-status.ts';
import type { StartReport } from './model.ts';

/** The last log lines of a container, joined on one line (why it did not answer). */
async function logTail(name: string): Promise<string> {
  const logs = await docker(['logs', '--tail', '5', name]);
  return `${logs.stdout}\n${logs.stderr}`
    .split('\n')
    .filter((l) => l.trim())
    .slice(-2)
    .join(' | ');
}

/**
 * `http://127.0.0.1:<published port><NB_PREFIX><ready>` timed from `docker run` to its first 200,
 * `starts` times. Every container is removed, also on failure.
 */
export async function measureStart(
  ref: string,
  ready: string,
  starts: number,
  opts: StartOptions = {},
): Promise<StartReport> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const prefix = `/notebook/kfc-report/start-${randomBytes(3).toString('hex')}`;
  const samples: number[] = [];
  const failures: string[] = [];
  let url = '';
  const runArgs = ['-p', '127.0.0.1::8888', '-e', `NB_PREFIX=${prefix}`, ref];
  for (let i = 0; i < starts; i++) {
    const t0 = performance.now();
    const stop = await withThrowaway(
      { purpose: 'report-start', label: 'org.kfc.report=1', runArgs },
      async (name, run) => {
        if (run.failed) {
          failures.push(`start ${i + 1}: docker run failed: ${(run.stderr || run.stdout).split('\n')[0]}`);
          return false;
        }
        // The engine picks the host port: no window in which another process can take it.
        url = `http://127.0.0.1:${await publishedPort(name)}${prefix}${ready}`;
        let last = '';
        while (performance.now() - t0 < timeoutMs) {
          const status = await httpStatus(url, 2000);
          if (status === 200) {
            samples.push(Math.round(performance.now() - t0));
            return false;
          }
          last = typeof status === 'number' ? `HTTP ${status}` : status;
          await new Promise((r) => setTimeout(r, 25));
        }
        const tail = await logTail(name);
        failures.push(
          `start ${i + 1}: no 200 from ${url} within ${timeoutMs} ms (last: ${last})${tail ? `; logs: ${tail}` : ''}`,
        );
        opts.log?.(`kfc report: ${ref}: ${failures[failures.length - 1]}`);
        return samples.length === 0 && i === 0; // it does not start at all: do not retry N times
      },
    );
    if (stop) break;
  }
  return {
    starts: samples.length,
    samplesMs: samples,
    ...summarize(samples),
    url: url.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:<port>'),
    failures,
  };
}
