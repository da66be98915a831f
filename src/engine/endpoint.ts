import { spawnSync } from 'node:child_process';
import { dockerBin } from './docker.ts';

export const DEFAULT_HOST = 'unix:///var/run/docker.sock';

/**
 * The engine the docker CLI talks to, for clients that do not run the CLI (testcontainers): DOCKER_HOST,
 * else the endpoint of the current context (DOCKER_CONTEXT or `docker context use`), else the
 * default socket.
 */
export function engineHost(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  const r = spawnSync(dockerBin(), ['context', 'inspect', '--format', '{{.Endpoints.docker.Host}}'], {
    encoding: 'utf8',
    timeout: 10_000,
    env,
  });
  return (r.status === 0 && r.stdout.trim()) || DEFAULT_HOST;
}

/** The address a published port is reached at: the loopback for a local engine, else the engine's host name. */
export function publishedHost(host: string): string {
  const url = new URL(host);
  if (url.protocol === 'unix:' || url.protocol === 'npipe:') return '127.0.0.1';
  if (url.protocol === 'tcp:' || url.protocol === 'http:' || url.protocol === 'https:') return url.hostname;
  throw new Error(`unsupported Docker host ${host} (use unix:// or tcp://)`);
}
