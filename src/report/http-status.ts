import { get as httpGet } from 'node:http';

/**
 * Status of one GET (a fresh connection each time), or the error text. node:http rather than
 * fetch: its sockets and our timer keep the event loop alive while the container starts.
 */
export function httpStatus(url: string, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (e) => resolve(e.message));
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => resolve(e.message));
    req.on('close', () => clearTimeout(timer));
  });
}
