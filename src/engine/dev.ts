import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { KfcError } from '../errors.ts';
import { docker, dockerBin, imageExists, requireEngine } from './docker.ts';
import { onInterrupt } from './signals.ts';

export interface DevOptions {
  ref: string;
  image: string;
  port?: number;
  prefix?: string;
  token?: boolean;
  home?: string;
  ready: string;
  extraArgs?: string[];
  out?: (s: string) => void;
}

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

/** NB_PREFIX like Kubeflow's: /notebook/<namespace>/<notebook name>. */
export function defaultPrefix(image: string): string {
  const user = (process.env.USER || userInfo().username || 'user').toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return `/notebook/${user}/${image}`;
}

/**
 * Runs the image on 127.0.0.1 with a token, prints the URL, streams logs, and removes the
 * container when interrupted or when the server exits.
 */
export async function runDev(opts: DevOptions): Promise<number> {
  const out = opts.out ?? ((s: string) => process.stdout.write(s + '\n'));
  await requireEngine();
  if (!(await imageExists(opts.ref)))
    throw new KfcError(`image ${opts.ref} is not in the local store`, {
      hint: `kfc build ${opts.image} (or kfc pull)`,
    });
  const port = opts.port ?? (await freePort());
  const prefix = (opts.prefix ?? defaultPrefix(opts.image)).replace(/\/+$/, '');
  if (prefix && !prefix.startsWith('/'))
    throw new KfcError(`NB_PREFIX "${prefix}" must start with /`, { hint: 'e.g. /notebook/me/test' });
  const token = opts.token === false ? '' : randomBytes(24).toString('hex');
  const name = `kfc-dev-${opts.image}-${randomBytes(3).toString('hex')}`;
  const args = [
    'run',
    '--rm',
    '--name',
    name,
    '-p',
    `127.0.0.1:${port}:8888`,
    '-e',
    `NB_PREFIX=${prefix}`,
    '-e',
    `JUPYTER_TOKEN=${token}`,
    '--label',
    'org.kfc.dev=1',
  ];
  if (opts.home) {
    const home = resolve(opts.home);
    if (!existsSync(home)) mkdirSync(home, { recursive: true });
    args.push('-v', `${home}:/home/jovyan`);
  }
  args.push(...(opts.extraArgs ?? []), opts.ref);
  const proc = execa(dockerBin(), args, { reject: false, stdout: 'inherit', stderr: 'inherit', stdin: 'ignore' });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    out(`kfc dev: stopping ${name}`);
    await docker(['rm', '-f', name]);
  };
  const release = onInterrupt(() => void stop());
  const url = `http://127.0.0.1:${port}${prefix}/${token ? `?token=${token}` : ''}`;
  const readyUrl = `http://127.0.0.1:${port}${prefix}${opts.ready}`;
  let done = false;
  void proc.then(() => (done = true));
  const t0 = Date.now();
  while (!done && !stopping && Date.now() - t0 < 120_000) {
    try {
      const r = await fetch(readyUrl, {
        headers: token ? { Authorization: `token ${token}` } : {},
        signal: AbortSignal.timeout(2000),
      });
      if (r.status === 200) {
        out(`kfc dev: ${opts.ref} is ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        out(`kfc dev: open ${url}`);
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const res = await proc;
  release();
  await docker(['rm', '-f', name]);
  return stopping ? 0 : (res.exitCode ?? 1);
}
