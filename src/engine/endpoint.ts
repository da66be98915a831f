import { spawnSync } from 'node:child_process';
import type Docker from 'dockerode';
import { dockerBin } from './docker.ts';

export const DEFAULT_HOST = 'unix:///var/run/docker.sock';

/**
 * The engine the docker CLI talks to, for clients that do not run the CLI (dockerode): DOCKER_HOST,
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

/** dockerode options for an engine host URL (unix:// or tcp://; TLS from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH). */
export function dockerodeOptions(host: string, env: NodeJS.ProcessEnv = process.env): Docker.DockerOptions {
  const url = new URL(host);
  if (url.protocol === 'unix:') return { socketPath: url.pathname };
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`unsupported Docker host ${host} (use unix:// or tcp://)`);
  }
  const tls = url.protocol === 'https:' || Boolean(env.DOCKER_TLS_VERIFY);
  return { host: url.hostname, port: Number(url.port) || (tls ? 2376 : 2375), protocol: tls ? 'https' : 'http' };
}
