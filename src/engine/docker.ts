import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { KfcError } from '../errors.ts';

const ENGINE_HINT = 'start one with scripts/provision.sh (or `dockerd &`), or point DOCKER_HOST at a running engine';

/** The docker CLI used for everything (KFC_DOCKER overrides; Debian's /usr/bin/docker preferred). */
export function dockerBin(): string {
  if (process.env.KFC_DOCKER) return process.env.KFC_DOCKER;
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

export async function docker(
  args: string[],
  opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {},
) {
  return execa(dockerBin(), args, {
    reject: false,
    input: opts.input,
    timeout: opts.timeoutMs,
    env: opts.env,
    stripFinalNewline: true,
  });
}

/** Throws a one-line error when no engine answers. */
export async function requireEngine(): Promise<string> {
  const res = await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 20000 });
  if (res.failed || !res.stdout.trim()) {
    if ((res as { code?: string }).code === 'ENOENT')
      throw new KfcError('no docker client found', {
        hint: 'install docker.io (scripts/provision.sh) or set KFC_DOCKER',
      });
    const why = (res.stderr || res.stdout).split('\n').find((l) => l.trim()) ?? 'no answer';
    throw new KfcError(`no Docker engine answers (${why.trim()})`, { hint: ENGINE_HINT });
  }
  return res.stdout.trim();
}

export async function imageExists(ref: string, env?: Record<string, string>): Promise<boolean> {
  const res = await docker(['image', 'inspect', '--format', '{{.Id}}', ref], { env });
  return !res.failed;
}

/** The image ID (`docker image inspect` .Id) of a reference in the local store, or undefined. */
export async function imageId(ref: string, env?: Record<string, string>): Promise<string | undefined> {
  const res = await docker(['image', 'inspect', '--format', '{{.Id}}', ref], { env });
  return res.failed ? undefined : res.stdout.trim() || undefined;
}

export interface ImageInfo {
  id: string;
  size: number;
  labels: Record<string, string>;
  tags: string[];
  layers: string[];
  created: string;
  env: string[];
}

export async function inspectImage(ref: string): Promise<ImageInfo | undefined> {
  const res = await docker(['image', 'inspect', ref]);
  if (res.failed) return undefined;
  const [raw] = JSON.parse(res.stdout) as Array<{
    Id: string;
    Size: number;
    RepoTags: string[] | null;
    Created: string;
    Config?: { Labels?: Record<string, string> | null; Env?: string[] | null };
    RootFS?: { Layers?: string[] };
  }>;
  if (!raw) return undefined;
  return {
    id: raw.Id,
    size: raw.Size,
    labels: raw.Config?.Labels ?? {},
    tags: raw.RepoTags ?? [],
    layers: raw.RootFS?.Layers ?? [],
    created: raw.Created,
    env: raw.Config?.Env ?? [],
  };
}
