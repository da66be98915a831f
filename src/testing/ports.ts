import { createServer } from 'node:net';

/** Listens on 127.0.0.1:`port` (0: any) and closes again: the port it got, or undefined when it was taken. */
function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const got = (srv.address() as { port: number }).port;
      srv.close(() => res(got));
    });
  });
}

/**
 * A port free at the time of asking, for host processes that cannot report the port they bound
 * (the test registry, a node's engine). Another process could take it before it is bound; containers never use
 * this: the engine publishes them on a port it picks (`-p 127.0.0.1::8888`).
 */
export async function freePort(): Promise<number> {
  const port = await listenOnce(0);
  if (port === undefined) throw new Error('no free port on 127.0.0.1');
  return port;
}

/** The first of `wanted` that is free now (same caveat as freePort), else any free port. */
export async function freePortAmong(wanted: readonly number[]): Promise<number> {
  for (const port of wanted) if ((await listenOnce(port)) !== undefined) return port;
  return freePort();
}
