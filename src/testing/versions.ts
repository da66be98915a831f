/**
 * The versions a suite result depends on beyond its files (effectful probes, for the result key):
 * Node, the engine's server version (through the DOCKER_HOST in force) and Chromium's `--version`.
 */

import { execa } from 'execa';
import { docker } from '../engine/docker.ts';
import { chromiumPath } from './chromium.ts';

export interface ToolVersions {
  node: string;
  engine: string;
  chromium: string;
}

/** A probe that cannot answer gives "missing (…)": a key made without the tool differs from one made with it. */
export async function toolVersions(env: Record<string, string | undefined>): Promise<ToolVersions> {
  const clean = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const [engine, chromium] = await Promise.all([
    docker(['version', '--format', '{{.Server.Version}}'], { env: clean, timeoutMs: 20_000 }).then((r) =>
      r.failed ? 'missing (no engine answers)' : r.stdout.trim(),
    ),
    execa(chromiumPath(env), ['--version'], { reject: false, timeout: 20_000, env: clean }).then((r) =>
      r.failed ? `missing (${chromiumPath(env)})` : (r.stdout.trim().split('\n')[0] ?? ''),
    ),
  ]);
  return { node: process.version, engine, chromium };
}
