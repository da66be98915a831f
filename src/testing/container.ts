/**
 * The fixture every image test uses: a container started the way Kubeflow starts a notebook
 * (NB_PREFIX under /notebook/<ns>/<name>, port 8888 on a host port the engine picks, an empty volume
 * with fsGroup-like permissions on the home), with helpers to reach it. Always removed afterwards
 * (and by src/testing/cleanup.ts when a test process dies).
 */

import { randomBytes } from 'node:crypto';
import type { StartedTestContainer } from 'testcontainers';
import { ContainerHandle, createVolume, removeVolume } from './engine-objects.ts';
import { type ContainerFile, type HostConfig, KfcContainer } from './kfc-container.ts';
import { exited, httpReady, NOTEBOOK_PORT, readyPath, running } from './waits.ts';

export { imageInspect, removeImage, removeVolume } from './engine-objects.ts';
export type { ContainerFile, HostConfig } from './kfc-container.ts';

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
  /** Extra engine HostConfig. */
  hostConfig?: HostConfig;
  /** Files copied into the created container before it starts (like `docker cp`), e.g. start hooks. */
  files?: ContainerFile[];
  /** Keep the image's HEALTHCHECK running (default off, as under Kubernetes: KfcContainer). */
  healthcheck?: boolean;
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
  const name = await createVolume(`kfc-test-home-${randomBytes(5).toString('hex')}`);
  await runOnce(
    image,
    ['sh', '-c', 'chgrp 100 /mnt/home && chmod 2775 /mnt/home'],
    { Binds: [`${name}:/mnt/home`] },
    '0',
  );
  return name;
}

export interface RunOptions {
  user?: string;
  env?: Record<string, string>;
  hostConfig?: HostConfig;
  files?: ContainerFile[];
  /** Keep the image's entrypoint (default: none, the command runs as is). */
  entrypoint?: boolean;
  /** Run on a terminal (`docker run -t`): stdout and stderr come back together as stdout. */
  tty?: boolean;
  timeoutMs?: number;
}

/** Runs a container to its end and returns its exit code and output; the container is always removed. */
export async function runToEnd(image: string, cmd: string[], opts: RunOptions = {}): Promise<ExecResult> {
  const c = new KfcContainer(image)
    .withCommand(cmd)
    .withEnvironment(opts.env ?? {})
    .withHostConfig(opts.hostConfig ?? {})
    .withFiles(opts.files ?? [])
    .withWaitStrategy(exited())
    .withStartupTimeout(opts.timeoutMs ?? 300_000);
  if (opts.entrypoint !== true) c.withEntrypoint([]);
  if (opts.tty === true) c.withTty();
  if (opts.user) c.withUser(opts.user);
  try {
    await holdingLoop(() => c.start(), (opts.timeoutMs ?? 300_000) + 60_000);
    const handle = new ContainerHandle(c.id!);
    const { State } = await handle.inspect();
    return { exitCode: State.ExitCode, ...(await handle.logs()) };
  } catch (e) {
    if (c.id && /did not end within/.test((e as Error).message)) {
      throw new Error(`${cmd.join(' ')} did not end within ${opts.timeoutMs ?? 300_000} ms`);
    }
    throw e;
  } finally {
    if (c.id) await new ContainerHandle(c.id).remove();
  }
}

/** Runs a throwaway container (without the image's entrypoint) to completion and returns its output. */
export async function runOnce(
  image: string,
  cmd: string[],
  hostConfig: HostConfig = {},
  user?: string,
  env: Record<string, string> = {},
): Promise<ExecResult> {
  return runToEnd(image, cmd, { hostConfig, user, env });
}

export class Notebook {
  readonly started: StartedTestContainer;
  /** The container through the docker CLI: inspect, stop. */
  readonly container: ContainerHandle;
  readonly prefix: string;
  readonly homeVolume: string;
  readonly image: string;
  private readonly ownsVolume: boolean;
  /** ms from the engine starting the container to the readiness path answering 200 (last start or restart). */
  readyMs = 0;

  constructor(started: StartedTestContainer, image: string, prefix: string, homeVolume: string, ownsVolume: boolean) {
    this.started = started;
    this.container = new ContainerHandle(started.getId());
    this.image = image;
    this.prefix = prefix;
    this.homeVolume = homeVolume;
    this.ownsVolume = ownsVolume;
  }

  /** The host port the engine picked for 8888 (it may change on restart). */
  get hostPort(): number {
    return this.started.getMappedPort(NOTEBOOK_PORT);
  }

  /** Where published ports are reached (the loopback for a local engine). */
  get host(): string {
    return this.started.getHost();
  }

  /** URL of a path under NB_PREFIX (a path not starting with the prefix is used as is). */
  url(path = '/'): string {
    const p =
      path.startsWith(this.prefix) || path.startsWith('/__outside__')
        ? path.replace('/__outside__', '')
        : `${this.prefix}${path}`;
    return `http://${this.host}:${this.hostPort}${p}`;
  }

  /** GET an absolute path (not under the prefix), e.g. to check 404 outside it. */
  rawUrl(path: string): string {
    return `http://${this.host}:${this.hostPort}${path}`;
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
    const timeoutMs = opts.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`exec timed out after ${timeoutMs} ms: ${Cmd.join(' ')}`)), timeoutMs);
    });
    const run = this.started.exec(Cmd, {
      ...(opts.user !== undefined ? { user: opts.user } : {}),
      ...(opts.env !== undefined ? { env: opts.env } : {}),
      ...(opts.workdir !== undefined ? { workingDir: opts.workdir } : {}),
    });
    const r = await Promise.race([run, timeout]).finally(() => clearTimeout(timer));
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  }

  async logs(): Promise<string> {
    const { stdout, stderr } = await this.container.logs();
    return stdout + stderr;
  }

  /** `docker restart -t 5`, then the start's wait again (the host port may change). */
  async restart(): Promise<void> {
    await holdingLoop(() => this.started.restart({ timeout: 5_000 }), 180_000);
    // From the engine's start, not from the restart call (which includes the stop).
    const { State } = await this.container.inspect();
    this.readyMs = Date.now() - Date.parse(State.StartedAt);
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
    await this.container.remove();
    if (this.ownsVolume && !opts.keepVolume) await removeVolume(this.homeVolume);
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

async function httpGet(url: string, init: RequestInit = {}): Promise<HttpResult> {
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
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const c = new KfcContainer(image)
    .withNotebook(prefix)
    .withHomeVolume(homeVolume)
    .withEnvironment(opts.env ?? {})
    .withHostConfig(opts.hostConfig ?? {})
    .withFiles(opts.files ?? [])
    .withWaitStrategy(opts.wait === false ? running() : httpReady(`${prefix}${opts.ready ?? readyPath()}`))
    .withStartupTimeout(timeoutMs);
  if (opts.user) c.withUser(opts.user);
  if (opts.cmd) c.withCommand(opts.cmd);
  if (opts.healthcheck) c.withImageHealthcheck();
  try {
    const started = await holdingLoop(() => c.start(), timeoutMs + 60_000);
    const nb = new Notebook(started, image, prefix, homeVolume, ownsVolume);
    if (opts.wait !== false) nb.readyMs = Date.now() - c.startedAt;
    return nb;
  } catch (e) {
    // testcontainers removes a container that never got ready; its logs say why.
    const logs = c.id ? await new ContainerHandle(c.id).logs().catch(() => undefined) : undefined;
    if (c.id) await new ContainerHandle(c.id).remove();
    if (ownsVolume) await removeVolume(homeVolume);
    if (logs) throw new Error(`${(e as Error).message}; logs:\n${(logs.stdout + logs.stderr).slice(-3000)}`);
    throw e;
  }
}
