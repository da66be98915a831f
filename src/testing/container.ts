/**
 * The fixture every image test uses: a container started the way Kubeflow starts a notebook
 * (NB_PREFIX under /notebook/<ns>/<name>, port 8888 on a free host port, an empty volume with
 * fsGroup-like permissions on the home), with helpers to reach it. Always removed afterwards.
 */
import Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';

export const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });

export interface StartOptions {
  image?: string;
  env?: Record<string, string>;
  /** Reuse a home volume (e.g. to check persistence); by default a new empty one is made. */
  homeVolume?: string;
  /** Start as this user (e.g. 'root' for NB_UID/GRANT_SUDO tests). */
  user?: string;
  /** NB_PREFIX; a random /notebook/<ns>/<name> by default. */
  prefix?: string;
  /** Readiness path under the prefix; KFC_TEST_READY or /api/status by default. */
  ready?: string;
  /** Wait for readiness (default true). */
  wait?: boolean;
  timeoutMs?: number;
  cmd?: string[];
  /** Extra docker HostConfig. */
  hostConfig?: Docker.HostConfig;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface HttpResult {
  status: number;
  text: string;
  headers: Headers;
}

export function testImage(): string {
  const image = process.env.KFC_TEST_IMAGE;
  if (!image) throw new Error('KFC_TEST_IMAGE is not set: run image tests through `kfc test <image>`');
  return image;
}

export function randomPrefix(): string {
  return `/notebook/ns-${randomBytes(3).toString('hex')}/nb-${randomBytes(3).toString('hex')}`;
}

/** An empty named volume whose root is group 100, setgid and group-writable (Kubeflow's fsGroup). */
export async function createHomeVolume(image: string): Promise<string> {
  const name = `kfc-test-home-${randomBytes(5).toString('hex')}`;
  await docker.createVolume({ Name: name, Labels: { 'org.kfc.test': '1' } });
  await runOnce(image, ['sh', '-c', 'chgrp 100 /mnt/home && chmod 2775 /mnt/home'], { Binds: [`${name}:/mnt/home`] }, '0');
  return name;
}

/** Runs a throwaway container to completion and returns its output. */
export async function runOnce(image: string, cmd: string[], hostConfig: Docker.HostConfig = {}, user?: string, env: Record<string, string> = {}): Promise<ExecResult> {
  const c = await docker.createContainer({
    Image: image,
    Entrypoint: [],
    Cmd: cmd,
    User: user,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    HostConfig: { ...hostConfig },
    Labels: { 'org.kfc.test': '1' },
  });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const logs = await containerLogs(c);
    return { exitCode: StatusCode, ...logs };
  } finally {
    await c.remove({ force: true }).catch(() => {});
  }
}

async function containerLogs(c: Docker.Container): Promise<{ stdout: string; stderr: string }> {
  const buf = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  return demux(buf);
}

/** Splits Docker's multiplexed stream format (8-byte frame headers) into stdout and stderr. */
export function demux(buf: Buffer): { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const type = buf[i]!;
    const len = buf.readUInt32BE(i + 4);
    const chunk = buf.subarray(i + 8, i + 8 + len).toString('utf8');
    if (type === 2) stderr += chunk;
    else stdout += chunk;
    i += 8 + len;
  }
  return { stdout, stderr };
}

export class Notebook {
  readonly container: Docker.Container;
  readonly prefix: string;
  readonly homeVolume: string;
  readonly image: string;
  private readonly ownsVolume: boolean;
  hostPort = 0;

  constructor(container: Docker.Container, image: string, prefix: string, homeVolume: string, ownsVolume: boolean) {
    this.container = container;
    this.image = image;
    this.prefix = prefix;
    this.homeVolume = homeVolume;
    this.ownsVolume = ownsVolume;
  }

  /** URL of a path under NB_PREFIX (a path not starting with the prefix is used as is). */
  url(path = '/'): string {
    const p = path.startsWith(this.prefix) || path.startsWith('/__outside__') ? path.replace('/__outside__', '') : `${this.prefix}${path}`;
    return `http://127.0.0.1:${this.hostPort}${p}`;
  }

  /** GET an absolute path (not under the prefix), e.g. to check 404 outside it. */
  rawUrl(path: string): string {
    return `http://127.0.0.1:${this.hostPort}${path}`;
  }

  async get(path = '/', init: RequestInit = {}): Promise<HttpResult> {
    return httpGet(this.url(path), init);
  }

  async getRaw(path: string, init: RequestInit = {}): Promise<HttpResult> {
    return httpGet(this.rawUrl(path), init);
  }

  async exec(cmd: string[] | string, opts: { user?: string; timeoutMs?: number; env?: Record<string, string>; workdir?: string } = {}): Promise<ExecResult> {
    const Cmd = typeof cmd === 'string' ? ['bash', '-lc', cmd] : cmd;
    const exec = await this.container.exec({ Cmd, AttachStdout: true, AttachStderr: true, User: opts.user, Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`), WorkingDir: opts.workdir });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = '';
    let stderr = '';
    out.on('data', (d: Buffer) => (stdout += d.toString()));
    err.on('data', (d: Buffer) => (stderr += d.toString()));
    docker.modem.demuxStream(stream, out, err);
    const timeoutMs = opts.timeoutMs ?? 60_000;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        stream.destroy();
        reject(new Error(`exec timed out after ${timeoutMs} ms: ${Cmd.join(' ')}`));
      }, timeoutMs);
      stream.on('end', () => {
        clearTimeout(t);
        resolve();
      });
      stream.on('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, stdout, stderr };
  }

  async logs(): Promise<string> {
    const { stdout, stderr } = await containerLogs(this.container);
    return stdout + stderr;
  }

  async refreshPort(): Promise<void> {
    const info = await this.container.inspect();
    const binding = info.NetworkSettings.Ports['8888/tcp']?.[0];
    if (!binding) throw new Error('port 8888 is not published');
    this.hostPort = Number(binding.HostPort);
  }

  /** Polls the readiness path until it answers 200; returns the elapsed ms. */
  async waitReady(path = process.env.KFC_TEST_READY ?? '/api/status', timeoutMs = 90_000): Promise<number> {
    const t0 = Date.now();
    let last = '';
    while (Date.now() - t0 < timeoutMs) {
      const state = await this.container.inspect();
      if (!state.State.Running) throw new Error(`container exited (${state.State.ExitCode}) before it was ready:\n${(await this.logs()).slice(-3000)}`);
      try {
        const r = await this.get(path, { signal: AbortSignal.timeout(2000) });
        if (r.status === 200) return Date.now() - t0;
        last = `HTTP ${r.status}`;
      } catch (e) {
        last = (e as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`not ready after ${timeoutMs} ms (${last}); logs:\n${(await this.logs()).slice(-3000)}`);
  }

  async restart(): Promise<void> {
    await this.container.restart({ t: 5 });
    await this.refreshPort();
    await this.waitReady();
  }

  async remove(opts: { keepVolume?: boolean } = {}): Promise<void> {
    await this.container.remove({ force: true, v: true }).catch(() => {});
    if (this.ownsVolume && !opts.keepVolume) await docker.getVolume(this.homeVolume).remove().catch(() => {});
  }
}

export async function httpGet(url: string, init: RequestInit = {}): Promise<HttpResult> {
  const res = await fetch(url, { redirect: 'manual', ...init, signal: init.signal ?? AbortSignal.timeout(15_000) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Starts a notebook container like Kubeflow does and waits until it is ready. */
export async function startNotebook(opts: StartOptions = {}): Promise<Notebook> {
  const image = opts.image ?? testImage();
  const prefix = opts.prefix ?? process.env.KFC_TEST_PREFIX ?? randomPrefix();
  const ownsVolume = !opts.homeVolume;
  const homeVolume = opts.homeVolume ?? (await createHomeVolume(image));
  const env = { NB_PREFIX: prefix, ...(opts.env ?? {}) };
  const container: Docker.Container = await docker.createContainer({
    Image: image,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    User: opts.user,
    Cmd: opts.cmd,
    ExposedPorts: { '8888/tcp': {} },
    Labels: { 'org.kfc.test': '1' },
    HostConfig: {
      PortBindings: { '8888/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Mounts: [{ Type: 'volume', Source: homeVolume, Target: '/home/jovyan', VolumeOptions: { NoCopy: true } as Docker.MountSettings['VolumeOptions'] }],
      ...(opts.hostConfig ?? {}),
    },
  });
  const nb = new Notebook(container, image, prefix, homeVolume, ownsVolume);
  try {
    await container.start();
    await nb.refreshPort();
    if (opts.wait !== false) await nb.waitReady(opts.ready, opts.timeoutMs);
    return nb;
  } catch (e) {
    await nb.remove();
    throw e;
  }
}
