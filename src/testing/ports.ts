import { createServer } from 'node:net';

/**
 * A port free at the time of asking, for host processes that cannot report the port they bound
 * (the test registry). Another process could take it before it is bound; containers never use
 * this: the engine publishes them on a port it picks (`-p 127.0.0.1::8888`).
 */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

/** The first of `wanted` that is free now (same caveat as freePort), else any free port. */
export async function freePortAmong(wanted: readonly number[]): Promise<number> {
  for (const port of wanted) {
    const free = await new Promise<boolean>((res) => {
      const srv = createServer();
      srv.once('error', () => res(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
    });
    if (free) return port;
  }
  return freePort();
}
