import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { execa } from 'execa';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { KfcError } from '../errors.ts';
import { buildImages } from './build.ts';
import { docker, dockerBin, imageExists, requireEngine } from './docker.ts';
import { poll } from './poll.ts';
import { publishedPort } from './published-port.ts';
import { resolveRefs } from './refs.ts';
import { onInterrupt } from './signals.ts';

interface DevOptions {
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

/** NB_PREFIX like Kubeflow's: /notebook/<namespace>/<notebook name>. */
function defaultPrefix(image: string): string {
  const user = (process.env.USER || userInfo().username || 'user').toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return `/notebook/${user}/${image}`;
}

/**
 * Runs the image on 127.0.0.1 with a token, prints the URL, streams logs, and removes the
 * container when interrupted or when the server exits.
 */
async function runDev(opts: DevOptions): Promise<number> {
  const out = opts.out ?? ((s: string) => process.stdout.write(s + '\n'));
  await requireEngine();
  if (!(await imageExists(opts.ref)))
    throw new KfcError(`image ${opts.ref} is not in the local store`, {
      hint: `kfc build ${opts.image} (or kfc pull)`,
    });
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
    `127.0.0.1:${opts.port ?? ''}:8888`,
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
  let done = false;
  void proc.then(() => {
    done = true;
  });
  const t0 = Date.now();
  const port = await poll(() => publishedPort(name), {
    timeoutMs: 60_000,
    intervalMs: 200,
    stop: () => done || stopping,
  });
  const url = `http://127.0.0.1:${port}${prefix}/${token ? `?token=${token}` : ''}`;
  const readyUrl = `http://127.0.0.1:${port}${prefix}${opts.ready}`;
  const ready = async () => {
    try {
      const headers = token ? { Authorization: `token ${token}` } : undefined;
      const r = await fetch(readyUrl, { headers, signal: AbortSignal.timeout(2000) });
      return r.status === 200 ? true : undefined;
    } catch {
      return undefined; // not listening yet
    }
  };
  if (port && (await poll(ready, { timeoutMs: 120_000, intervalMs: 200, stop: () => done || stopping }))) {
    out(`kfc dev: ${opts.ref} is ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    out(`kfc dev: open ${url}`);
  }
  const res = await proc;
  release();
  await docker(['rm', '-f', name]);
  return stopping ? 0 : (res.exitCode ?? 1);
}

export interface DevImageOptions extends Omit<DevOptions, 'ref' | 'image' | 'ready'> {
  repo?: string;
  tag?: string;
  /** Run this reference instead of REPO/IMAGE:TAG. */
  imageRef?: string;
  /** Build the image (and its root base) first. */
  build?: boolean;
  caBundle?: string;
}

/** `kfc dev`: runDev on a catalog image (built first when asked); returns the exit code. */
export async function devImage(catalog: Catalog, node: ImageNode, opts: DevImageOptions): Promise<number> {
  const ref = (await resolveRefs(catalog, opts)).refOf(node);
  if (opts.build) await buildImages(catalog, [node], { repo: opts.repo, tag: opts.tag, caBundle: opts.caBundle });
  return runDev({ ...opts, ref: opts.imageRef ?? ref, image: node.name, ready: node.spec.test.ready });
}
