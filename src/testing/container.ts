/**
 * The fixture every image test uses: a container started the way Kubeflow starts a notebook
 * (NB_PREFIX under /notebook/<ns>/<name>, port 8888 on a free host port, an empty volume with
 * fsGroup-like permissions on the home), with helpers to reach it. Always removed afterwards.
 */

import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import tar from 'tar-stream';
import { dockerodeOptions, engineHost } from '../engine/endpoint.ts';
import { poll } from '../engine/poll.ts';

/** The engine the docker CLI uses (DOCKER_HOST, else the current context): one engine for kfc and its tests. */
const host = engineHost();
// With DOCKER_HOST set, docker-modem reads it and the TLS variables itself.
export const docker = process.env.DOCKER_HOST ? new Docker() : new Docker(dockerodeOptions(host));

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
  /** Files copied into the created container before it starts (like `docker cp`), e.g. start hooks. */
  files?: ContainerFile[];
}

export interface ContainerFile {
  /** Absolute path in the container; its parent folder must exist in the image. */
  path: string;
  content: string | Buffer;
  /** Permission bits, 0o644 by default. */
  mode?: number;
  uid?: number;
  gid?: number;
}

/** A process in the container, read from /proc. */
export interface ProcessInfo {
  pid: number;
  args: string;
  uid: number;
  gid: number;
  groups: number[];
  env: Record<string, string>;
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
  await runOnce(
    image,
    ['sh', '-c', 'chgrp 100 /mnt/home && chmod 2775 /mnt/home'],
    { Binds: [`${name}:/mnt/home`] },
    '0',
  );
  return name;
}

/** Runs a throwaway container to completion and returns its output. */
export async function runOnce(
  image: string,
  cmd: string[],
  hostConfig: Docker.HostConfig = {},
  user?: string,
  env: Record<string, string> = {},
): Promise<ExecResult> {
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

/** Copies files into a container (created or running) through the engine's archive API. */
export async function putFiles(container: Docker.Container, files: ContainerFile[]): Promise<void> {
  if (files.length === 0) return;
  const pack = tar.pack();
  for (const f of files) {
    if (!f.path.startsWith('/')) throw new Error(`putFiles: ${f.path} is not absolute`);
    const content = typeof f.content === 'string' ? Buffer.from(f.content) : f.content;
    pack.entry(
      { name: f.path.slice(1), mode: f.mode ?? 0o644, uid: f.uid ?? 0, gid: f.gid ?? 0, mtime: new Date() },
      content,
    );
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  await container.putArchive(Buffer.concat(chunks), { path: '/' });
}

export class Notebook {
  readonly container: Docker.Container;
  readonly prefix: string;
  readonly homeVolume: string;
  readonly image: string;
  private readonly ownsVolume: boolean;
  hostPort = 0;
  /** ms from `container.start()` to the readiness path answering 200 (last start or restart). */
  readyMs = 0;

  constructor(container: Docker.Container, image: string, prefix: string, homeVolume: string, ownsVolume: boolean) {
    this.container = container;
    this.image = image;
    this.prefix = prefix;
    this.homeVolume = homeVolume;
    this.ownsVolume = ownsVolume;
  }

  /** URL of a path under NB_PREFIX (a path not starting with the prefix is used as is). */
  url(path = '/'): string {
    const p =
      path.startsWith(this.prefix) || path.startsWith('/__outside__')
        ? path.replace('/__outside__', '')
        : `${this.prefix}${path}`;
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

  /**
   * GETs a path under the prefix and follows redirects that stay on this server (at most `max`);
   * returns the last answer, its URL and the hops taken.
   */
  async follow(path: string, init: RequestInit = {}, max = 5): Promise<HttpResult & { url: string; hops: string[] }> {
    let url = this.url(path);
    const hops: string[] = [];
    for (let i = 0; i <= max; i++) {
      const res = await httpGet(url, init);
      const loc = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !loc) return { ...res, url, hops };
      const next = new URL(loc, url);
      if (next.host !== new URL(url).host) throw new Error(`${url} redirects off this server, to ${next}`);
      url = next.toString();
      hops.push(`${res.status} → ${next.pathname}${next.search}`);
    }
    throw new Error(`more than ${max} redirects from ${path}: ${hops.join(', ')}`);
  }

  async exec(
    cmd: string[] | string,
    opts: { user?: string; timeoutMs?: number; env?: Record<string, string>; workdir?: string } = {},
  ): Promise<ExecResult> {
    const Cmd = typeof cmd === 'string' ? ['bash', '-lc', cmd] : cmd;
    const exec = await this.container.exec({
      Cmd,
      AttachStdout: true,
      AttachStderr: true,
      User: opts.user,
      Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
      WorkingDir: opts.workdir,
    });
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
    const answered = await poll(
      async () => {
        const state = await this.container.inspect();
        if (!state.State.Running) {
          throw new Error(
            `container exited (${state.State.ExitCode}) before it was ready:\n${(await this.logs()).slice(-3000)}`,
          );
        }
        try {
          const r = await this.get(path, { signal: AbortSignal.timeout(1500) });
          if (r.status === 200) return true;
          last = `HTTP ${r.status}`;
        } catch (e) {
          last = (e as Error).message;
        }
        return undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
    if (answered) return Date.now() - t0;
    throw new Error(`not ready after ${timeoutMs} ms (${last}); logs:\n${(await this.logs()).slice(-3000)}`);
  }

  async restart(): Promise<void> {
    await this.container.restart({ t: 5 });
    const t0 = Date.now();
    await this.refreshPort();
    await this.waitReady();
    this.readyMs = Date.now() - t0;
  }

  /** Every process in the container (read as root from /proc), without environments. */
  async processes(): Promise<Omit<ProcessInfo, 'env'>[]> {
    // One exec: per process a line "pid<TAB>uid<TAB>gid<TAB>groups<TAB>args".
    const script = [
      'for d in /proc/[0-9]*; do',
      '  p=${d#/proc/}; [ -r "$d/status" ] || continue',
      '  args=$(tr "\\0" " " < "$d/cmdline" 2>/dev/null) || continue; [ -n "$args" ] || continue',
      '  uid=$(awk \'/^Uid:/{print $2}\' "$d/status"); gid=$(awk \'/^Gid:/{print $2}\' "$d/status")',
      '  groups=$(awk \'/^Groups:/{$1=""; print}\' "$d/status" | xargs | tr " " ",")',
      '  printf "%s\\t%s\\t%s\\t%s\\t%s\\n" "$p" "$uid" "$gid" "$groups" "$args"',
      'done',
    ].join('\n');
    const r = await this.exec(['sh', '-c', script], { user: '0' });
    if (r.exitCode !== 0) throw new Error(`listing processes failed: ${r.stderr}`);
    const procs: Omit<ProcessInfo, 'env'>[] = [];
    for (const line of r.stdout.split('\n')) {
      const [pid, uid, gid, groups, args] = line.split('\t');
      if (!pid || args === undefined) continue;
      procs.push({
        pid: Number(pid),
        uid: Number(uid),
        gid: Number(gid),
        groups: (groups ?? '').split(',').filter(Boolean).map(Number),
        args: args.trim(),
      });
    }
    return procs.sort((a, b) => a.pid - b.pid);
  }

  /**
   * The environment of a process. Root in a container lacks CAP_SYS_PTRACE, so /proc/<pid>/environ
   * is read as the process's own uid:gid.
   */
  async environ(proc: Pick<ProcessInfo, 'pid' | 'uid' | 'gid'>): Promise<Record<string, string>> {
    const r = await this.exec(['base64', '-w0', `/proc/${proc.pid}/environ`], { user: `${proc.uid}:${proc.gid}` });
    if (r.exitCode !== 0)
      throw new Error(`reading the environment of ${proc.pid} as ${proc.uid}:${proc.gid} failed: ${r.stderr}`);
    const env: Record<string, string> = {};
    for (const kv of Buffer.from(r.stdout.trim(), 'base64').toString('utf8').split('\0')) {
      const i = kv.indexOf('=');
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    return env;
  }

  /** The Jupyter server process (the oldest process running jupyter, not the sudo that started it). */
  async serverProcess(): Promise<ProcessInfo> {
    const procs = await this.processes();
    const server = procs.find(
      (p) => /jupyter/.test(p.args) && !/^(sudo|tini|bash|sh) /.test(p.args) && !/start\.sh/.test(p.args),
    );
    if (!server)
      throw new Error(`no Jupyter server process among:\n${procs.map((p) => `${p.pid} ${p.args}`).join('\n')}`);
    return { ...server, env: await this.environ(server) };
  }

  async remove(opts: { keepVolume?: boolean } = {}): Promise<void> {
    await this.container.remove({ force: true, v: true }).catch(() => {});
    if (this.ownsVolume && !opts.keepVolume)
      await docker
        .getVolume(this.homeVolume)
        .remove()
        .catch(() => {});
  }
}

/**
 * Runs fn while a referenced timer keeps the event loop alive. AbortSignal.timeout's timer is
 * unreferenced, and so is undici's socket while a connection hangs (docker-proxy accepts before
 * the server listens): without this, node:test can find an empty event loop in the middle of a
 * before() hook and cancel the whole file ("Promise resolution is still pending...").
 */
export async function holdingLoop<T>(fn: () => Promise<T>, ms = 120_000): Promise<T> {
  const hold = setTimeout(() => {}, ms);
  try {
    return await fn();
  } finally {
    clearTimeout(hold);
  }
}

export async function httpGet(url: string, init: RequestInit = {}): Promise<HttpResult> {
  return holdingLoop(async () => {
    const res = await fetch(url, { redirect: 'manual', ...init, signal: init.signal ?? AbortSignal.timeout(15_000) });
    return { status: res.status, text: await res.text(), headers: res.headers };
  });
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
      Mounts: [
        {
          Type: 'volume',
          Source: homeVolume,
          Target: '/home/jovyan',
          VolumeOptions: { NoCopy: true } as Docker.MountSettings['VolumeOptions'],
        },
      ],
      ...(opts.hostConfig ?? {}),
    },
  });
  const nb = new Notebook(container, image, prefix, homeVolume, ownsVolume);
  try {
    await putFiles(container, opts.files ?? []);
    const t0 = Date.now();
    await container.start();
    await nb.refreshPort();
    if (opts.wait !== false) {
      await nb.waitReady(opts.ready, opts.timeoutMs);
      nb.readyMs = Date.now() - t0;
    }
    return nb;
  } catch (e) {
    await nb.remove();
    throw e;
  }
}
