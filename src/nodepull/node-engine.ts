/**
 * "A node" for pull measurements: a second dockerd with its own data root, exec root, pid file,
 * socket and bridge, so pulling into it never touches the build engine's images or layer cache;
 * and a throwaway Debian docker-registry with htpasswd auth whose access log measures the bytes pulled.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { execa } from 'execa';
import { dockerBin } from '../engine/docker.ts';
import { KfcError } from '../errors.ts';
import { freePort } from '../testing/ports.ts';

const DOCKER = dockerBin();

/** rm -rf: a node's data root holds every file of the pulled images; Node's rmSync is far slower. */
export async function removeTree(dir: string): Promise<void> {
  await execa('rm', ['-rf', '--one-file-system', dir], { reject: false });
}

async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new KfcError(`${what} did not come up within ${ms / 1000} s`);
}

export interface NodeEngine {
  host: string;
  env: Record<string, string>;
  /** The engine's server version (`docker version`), e.g. 26.1.5+dfsg1. */
  version: string;
  stop(): Promise<void>;
}

async function ip(args: string[]): Promise<void> {
  const r = await execa('ip', args, { reject: false });
  if (r.exitCode !== 0)
    throw new KfcError(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`, {
      hint: 'the node engine needs root and iproute2',
    });
}

/** Where scripts/provision-node-engine.sh puts a node engine that pulls zstd layers (Debian trixie's dockerd). */
export const PROVISIONED_NODE_DOCKERD = '/usr/libexec/kfc/node-engine/dockerd';

/** The dockerd a cold node runs: KFC_NODE_DOCKERD, else the provisioned one, else the host's. */
export function nodeDockerd(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KFC_NODE_DOCKERD) return env.KFC_NODE_DOCKERD;
  return existsSync(PROVISIONED_NODE_DOCKERD) ? PROVISIONED_NODE_DOCKERD : 'dockerd';
}

/**
 * Starts a separate dockerd under dir (root only). Its images are removed with dir by stop(). `dockerd` may
 * name another engine's binary: its folder comes first on PATH, so its own docker-proxy and docker-init run.
 */
export async function startNodeEngine(dir: string, dockerConfig: string, dockerd = 'dockerd'): Promise<NodeEngine> {
  if (isAbsolute(dockerd) && !existsSync(dockerd))
    throw new KfcError(`the node engine ${dockerd} does not exist`, {
      hint: 'bash scripts/provision.sh --all installs it (scripts/provision-node-engine.sh); or unset KFC_NODE_DOCKERD',
    });
  for (const d of ['data', 'exec']) mkdirSync(join(dir, d), { recursive: true });
  const sock = join(dir, 'docker.sock');
  const log = openSync(join(dir, 'dockerd.log'), 'a');
  // Its own bridge. NOT --bridge=none: dockerd then deletes the interface "docker0" on start, which
  // is the build engine's bridge (every `docker run` there fails until it is re-created).
  const bridge = `kfcnode${randomBytes(2).toString('hex')}`;
  await ip(['link', 'add', 'name', bridge, 'type', 'bridge']);
  const subnet = `10.254.${1 + (randomBytes(1)[0]! % 250)}`;
  // Containers on a node reach the network (a user's pip install, the tests' package index): with
  // --iptables=false (two dockerds must not both own the DOCKER chains) kfc adds the bridge's
  // forwarding and masquerade rules itself, first in FORWARD, and removes exactly those on stop.
  const rules = [
    ['filter', 'FORWARD', '-i', bridge, '!', '-o', bridge, '-j', 'ACCEPT'],
    ['filter', 'FORWARD', '-o', bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
    ['nat', 'POSTROUTING', '-s', `${subnet}.0/24`, '!', '-o', bridge, '-j', 'MASQUERADE'],
  ];
  const added: string[][] = [];
  const dropBridge = async () => {
    for (const [table, chain, ...spec] of added.reverse())
      await execa('iptables', ['-t', table!, '-D', chain!, ...spec], { reject: false });
    await execa('ip', ['link', 'delete', bridge], { reject: false });
  };
  try {
    await ip(['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
    for (const [table, chain, ...spec] of rules) {
      const r = await execa('iptables', ['-t', table!, '-I', chain!, ...spec], { reject: false });
      if (r.exitCode !== 0)
        throw new KfcError(`iptables -t ${table} -I ${chain} failed: ${r.stderr.trim()}`, {
          hint: "the node engine needs root and iptables for its containers' network",
        });
      added.push([table!, chain!, ...spec]);
    }
  } catch (e) {
    await dropBridge();
    throw e;
  }
  const path = isAbsolute(dockerd) ? `${dirname(dockerd)}:${process.env.PATH ?? ''}` : process.env.PATH;
  const proc: ChildProcess = spawn(
    dockerd,
    [
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'dockerd.pid'),
      '-H',
      `unix://${sock}`,
      `--bridge=${bridge}`,
      '--iptables=false',
      '--ip-masq=false',
      '--ip-forward=false',
    ],
    { stdio: ['ignore', log, log], env: { ...process.env, PATH: path } },
  );
  const env = { DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: dockerConfig };
  let version = '';
  try {
    await until(
      'the node engine (second dockerd)',
      async () => {
        const v = await execa(DOCKER, ['version', '--format', '{{.Server.Version}}'], { env, reject: false });
        version = v.stdout.trim();
        return v.exitCode === 0;
      },
      60_000,
    );
  } catch (e) {
    proc.kill('SIGTERM');
    await dropBridge();
    throw new KfcError(`${(e as Error).message}: see ${join(dir, 'dockerd.log')}`, {
      hint: 'the node engine needs root (dockerd) like the build engine',
    });
  }
  return {
    host: env.DOCKER_HOST,
    env,
    version,
    async stop() {
      let timer: NodeJS.Timeout | undefined;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      // The timer is cleared: left pending it kept kfc alive for 20 s after its work was done.
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 20_000)))]);
      clearTimeout(timer);
      await dropBridge();
      await removeTree(dir);
    },
  };
}

export interface Registry {
  host: string;
  user: string;
  password: string;
  logFile: string;
  logLines(): string[];
  /** Removes blobs from the registry's storage (every repository's link too); returns the bytes freed. */
  dropBlobs(digests: string[]): Promise<number>;
  stop(): Promise<void>;
}

/** <repos>/<name…>/_layers/sha256/<hex> of every repository (names may hold slashes). */
function repoLayerLinks(repos: string, hex: string): string[] {
  if (!existsSync(repos)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      if (e.name === '_layers') {
        const link = join(dir, e.name, 'sha256', hex);
        if (existsSync(link)) out.push(link);
      } else if (!e.name.startsWith('_')) walk(join(dir, e.name));
    }
  };
  walk(repos);
  return out;
}

/** Debian's docker-registry on 127.0.0.1:<free port> with htpasswd auth, data and log under dir. */
export async function startRegistry(dir: string): Promise<Registry> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const user = 'kfc';
  const password = randomBytes(12).toString('hex');
  const ht = await execa('htpasswd', ['-Bbn', user, password], { reject: false });
  if (ht.exitCode !== 0)
    throw new KfcError('htpasswd is missing', { hint: 'apt-get install apache2-utils (scripts/provision.sh --all)' });
  writeFileSync(join(dir, 'htpasswd'), ht.stdout + '\n');
  writeFileSync(
    join(dir, 'registry.yml'),
    [
      'version: 0.1',
      'log: { level: warn }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }`,
      `http: { addr: 127.0.0.1:${port} }`,
      `auth: { htpasswd: { realm: kfc-node, path: ${join(dir, 'htpasswd')} } }`,
    ].join('\n') + '\n',
  );
  const logFile = join(dir, 'registry.log');
  const log = openSync(logFile, 'a');
  const proc = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'registry.yml')], { stdio: ['ignore', log, log] });
  await until(
    'the registry (docker-registry)',
    () =>
      fetch(`http://127.0.0.1:${port}/v2/`).then(
        (r) => r.status === 401,
        () => false,
      ),
    20_000,
  );
  return {
    host: `127.0.0.1:${port}`,
    user,
    password,
    logFile,
    logLines: () => readFileSync(logFile, 'utf8').split('\n'),
    async dropBlobs(digests) {
      // Straight from the filesystem layout (registry/storage/paths.go, stable since v2.0): the API's
      // blob DELETE only unlinks, and garbage-collect needs a stopped registry. Nothing is pushed meanwhile.
      const v2 = join(dir, 'data', 'docker', 'registry', 'v2');
      let freed = 0;
      for (const d of digests) {
        const hex = d.replace(/^sha256:/, '');
        const data = join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex);
        freed += existsSync(join(data, 'data')) ? statSync(join(data, 'data')).size : 0;
        rmSync(data, { recursive: true, force: true });
        const repos = join(v2, 'repositories');
        for (const link of repoLayerLinks(repos, hex)) rmSync(link, { recursive: true, force: true });
      }
      return freed;
    },
    async stop() {
      proc.kill('SIGTERM');
      await removeTree(dir);
    },
  };
}
