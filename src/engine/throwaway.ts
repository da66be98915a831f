/**
 * Containers kfc starts for a moment (report probes, start timings): each is removed after use,
 * and every live one on Ctrl-C / SIGTERM, so an interrupted `kfc report` leaves none behind.
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { docker, dockerBin } from './docker.ts';
import { cleanupOnInterrupt } from './signals.ts';

const live = new Set<string>();
let release: (() => void) | undefined;

function track(name: string): void {
  live.add(name);
  // Synchronous removal: the process ends right after the interrupt cleanup.
  release ??= cleanupOnInterrupt(() => {
    for (const n of live) spawnSync(dockerBin(), ['rm', '-f', n], { stdio: 'ignore' });
  });
}

async function remove(name: string): Promise<void> {
  await docker(['rm', '-f', name], { timeoutMs: 60_000 });
  live.delete(name);
  if (live.size === 0) {
    release?.();
    release = undefined;
  }
}

/** The containers of this process not yet removed (for tests). */
export function liveThrowaways(): string[] {
  return [...live];
}

export interface ThrowawaySpec {
  /** Names the container `kfc-<purpose>-<random>`. */
  purpose: string;
  /** A `key=value` label, so leftovers can be found (`docker ps -a --filter label=…`). */
  label: string;
  /** `docker run -d` arguments after the name and label: options, image, command. */
  runArgs: string[];
}

/**
 * Starts a detached container and hands `use` its name and the `docker run` result (check
 * `run.failed`); removes the container afterwards whatever happens.
 */
export async function withThrowaway<T>(
  spec: ThrowawaySpec,
  use: (name: string, run: Awaited<ReturnType<typeof docker>>) => Promise<T>,
): Promise<T> {
  const name = `kfc-${spec.purpose}-${randomBytes(4).toString('hex')}`;
  track(name);
  try {
    const run = await docker(['run', '-d', '--name', name, '--label', spec.label, ...spec.runArgs], {
      timeoutMs: 60_000,
    });
    return await use(name, run);
  } finally {
    await remove(name);
  }
}
