import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { KfcError } from '../errors.ts';
import { dockerBin } from './docker.ts';

/** Debian's docker-buildx, diverted out of the CLI plugin dir by scripts/provision-buildx.sh. */
const BUILDX_DIVERTED = '/usr/libexec/kfc/docker-buildx';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The command that runs buildx: KFC_BUILDX, else the provisioned, pinned binary (Debian's, diverted out
 * of the CLI plugin folder; it runs standalone and talks to the engine DOCKER_HOST names), else a
 * docker-buildx on the PATH, else a docker CLI with buildx as a plugin (GitHub's runners). Returns the
 * argv prefix before buildx's own arguments.
 */
export async function findBuildx(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  if (env.KFC_BUILDX) {
    if (!executable(env.KFC_BUILDX))
      throw new KfcError(`KFC_BUILDX=${env.KFC_BUILDX} is not an executable file`, {
        hint: 'fix KFC_BUILDX, or unset it and run bash scripts/provision-buildx.sh',
      });
    return [env.KFC_BUILDX];
  }
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((d) => join(d, 'docker-buildx'));
  const found = [BUILDX_DIVERTED, ...onPath].find(executable);
  if (found) return [found];
  const docker = dockerBin();
  if ((await execa(docker, ['buildx', 'version'], { reject: false })).exitCode === 0) return [docker, 'buildx'];
  throw new KfcError('buildx is not installed', {
    hint: `run bash scripts/provision-buildx.sh (installs it as ${BUILDX_DIVERTED}) or set KFC_BUILDX`,
  });
}

/** The builder kfc build uses when none is named: the local engine's own BuildKit (the `docker` driver). */
export const LOCAL_BUILDER = 'default';

/** A buildx builder as `buildx inspect` describes it. */
export interface BuilderInfo {
  name: string;
  /** docker (the engine's own BuildKit), docker-container, remote, kubernetes. */
  driver: string;
  /** BuildKit version of its first node, e.g. v0.8+unknown or v0.34.2. */
  buildkit?: string;
}

/** Reads `buildx inspect` text. Pure. */
export function parseInspect(text: string): { driver?: string; buildkit?: string; error?: string } {
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(text)?.[1]?.trim() || undefined;
  return { driver: field('Driver'), buildkit: field('BuildKit version') ?? field('Buildkit'), error: field('Error') };
}

/** The named builder, or one clear line when buildx does not know it or cannot reach it. */
export async function inspectBuilder(buildx: string[], name: string): Promise<BuilderInfo> {
  const res = await execa(buildx[0]!, [...buildx.slice(1), '--builder', name, 'inspect'], {
    reject: false,
    all: true,
    timeout: 60_000,
  });
  const text = res.all ?? '';
  const info = parseInspect(text);
  if (res.exitCode !== 0 || !info.driver || info.error) {
    const why = (info.error ?? text.split('\n').find((l) => l.trim()) ?? `exit ${res.exitCode}`).replace(
      /^ERROR: /,
      '',
    );
    throw new KfcError(`buildx builder "${name}" cannot be used: ${why.trim()}`, {
      hint: `list builders with ${buildx.join(' ')} ls; create one with ${buildx.join(' ')} create`,
    });
  }
  return { name, driver: info.driver, buildkit: info.buildkit };
}

/** True when the builder's BuildKit is at least major.minor (unknown: assumed new). Pure. */
export function buildkitAtLeast(info: BuilderInfo, major: number, minor: number): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(info.buildkit ?? '');
  if (!m) return true;
  return Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor);
}
