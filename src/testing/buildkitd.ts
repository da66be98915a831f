import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { poll } from '../engine/poll.ts';

/**
 * A BuildKit daemon of its own, as a remote buildx builder: buildkitd (built by
 * scripts/provision-referees.sh) on a Unix socket, rootful, its state under `dir`, runc as its
 * executor and the host's network; the registries named are plain HTTP. Added to buildx as a `remote`
 * builder in the DOCKER_CONFIG given, so the user's builders are untouched.
 */

/** buildkitd: KFC_BUILDKITD, else the provisioned one, else the PATH. */
export function findBuildkitd(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [join(env.KFC_REFEREES_DIR || '/opt/kfc-referees', 'bin'), ...(env.PATH ?? '').split(delimiter)];
  const candidates = [env.KFC_BUILDKITD, ...dirs.filter(Boolean).map((d) => join(d, 'buildkitd'))];
  return candidates.find((c): c is string => {
    if (!c) return false;
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface RemoteBuilder {
  /** The buildx builder name. */
  name: string;
  socket: string;
  /** Removes the builder, stops the daemon and deletes its state. */
  stop(): Promise<void>;
}

function config(dir: string, socket: string, httpRegistries: string[]): string {
  return [
    `root = "${join(dir, 'state')}"`,
    '[grpc]',
    `  address = ["unix://${socket}"]`,
    '[worker.oci]',
    '  enabled = true',
    '  binary = "runc"',
    '  networkMode = "host"',
    '[worker.containerd]',
    '  enabled = false',
    ...httpRegistries.flatMap((r) => [`[registry."${r}"]`, '  http = true']),
    '',
  ].join('\n');
}

export async function startRemoteBuilder(opts: {
  dir: string;
  name: string;
  buildkitd: string;
  /** argv of buildx (before its subcommand). */
  buildx: string[];
  /** Registries reached over plain HTTP (host:port). */
  httpRegistries: string[];
  /** DOCKER_CONFIG of the buildx client: where the builder is recorded and registry logins live. */
  dockerConfig: string;
}): Promise<RemoteBuilder> {
  mkdirSync(opts.dir, { recursive: true });
  const socket = join(opts.dir, 'buildkitd.sock');
  writeFileSync(join(opts.dir, 'buildkitd.toml'), config(opts.dir, socket, opts.httpRegistries));
  const logFile = join(opts.dir, 'buildkitd.log');
  const log = openSync(logFile, 'a');
  const daemon: ChildProcess = spawn(opts.buildkitd, ['--config', join(opts.dir, 'buildkitd.toml')], {
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<void>((r) => daemon.once('exit', () => r()));
  const env = { DOCKER_CONFIG: opts.dockerConfig };
  const bx = (args: string[]) => execa(opts.buildx[0]!, [...opts.buildx.slice(1), ...args], { reject: false, env });
  const stop = async () => {
    await bx(['rm', '--force', opts.name]);
    if (daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
    }
    rmSync(opts.dir, { recursive: true, force: true });
  };
  try {
    const listening = () => Promise.resolve(existsSync(socket) ? true : undefined);
    const up = await poll(listening, { timeoutMs: 30_000, intervalMs: 100, stop: () => daemon.exitCode !== null });
    if (!up) throw new Error(`buildkitd did not listen on ${socket}: ${readFileSync(logFile, 'utf8').slice(-800)}`);
    const created = await bx(['create', '--name', opts.name, '--driver', 'remote', `unix://${socket}`]);
    if (created.exitCode !== 0) throw new Error(`buildx create: ${created.stderr}`);
    const inspect = await bx(['--builder', opts.name, 'inspect', '--bootstrap']);
    if (inspect.exitCode !== 0 || !/Status:\s+running/.test(inspect.stdout))
      throw new Error(`builder ${opts.name} is not running: ${inspect.stdout}${inspect.stderr}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { name: opts.name, socket, stop };
}
