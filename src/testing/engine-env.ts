/**
 * The environment testcontainers reads, set before it loads (import this module first): the engine
 * is the docker CLI's (DOCKER_HOST, else the current context's endpoint), and Ryuk is off because
 * its image cannot be pulled where no registry is reachable; src/testing/cleanup.ts reaps instead.
 */
import { engineHost, publishedHost } from '../engine/endpoint.ts';

/** Pure: the variables to add to env (those already set win). */
export function testcontainersEnv(env: NodeJS.ProcessEnv, host: string): Record<string, string> {
  const add: Record<string, string> = {};
  if (!env.DOCKER_HOST) add.DOCKER_HOST = host;
  if (!env.TESTCONTAINERS_RYUK_DISABLED) add.TESTCONTAINERS_RYUK_DISABLED = 'true';
  // Ports are published on the loopback of a local engine: reach them there, even from inside a container.
  if (!env.TESTCONTAINERS_HOST_OVERRIDE) add.TESTCONTAINERS_HOST_OVERRIDE = publishedHost(host);
  return add;
}

export const ENGINE_HOST = engineHost();
Object.assign(process.env, testcontainersEnv(process.env, ENGINE_HOST));
