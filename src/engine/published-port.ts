import { docker } from './docker.ts';

/** The host port the engine published for a container's 8888 (docker picks a free one: no race). */
export async function publishedPort(name: string): Promise<number | undefined> {
  const r = await docker(['port', name, '8888/tcp']);
  const m = /:(\d+)\s*$/m.exec(r.stdout);
  return r.failed || !m ? undefined : Number(m[1]);
}
