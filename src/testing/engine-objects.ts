/**
 * Containers, images and volumes of the tests, reached through the docker CLI (the one engine
 * client kfc uses; testcontainers only starts and waits).
 */
import { execa } from 'execa';
import { docker, dockerBin } from '../engine/docker.ts';
import { runLabels } from './cleanup.ts';

/** The fields of `docker container inspect` the suites read. */
export interface ContainerInspect {
  Id: string;
  State: {
    Status: string;
    Running: boolean;
    ExitCode: number;
    StartedAt: string;
    OOMKilled?: boolean;
    Health?: { Status: string };
  };
  Config: { Env?: string[] | null; Labels?: Record<string, string> | null };
  HostConfig: Record<string, unknown>;
  NetworkSettings: { Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> };
}

/** The fields of `docker image inspect` the suites read. */
export interface ImageInspect {
  Id: string;
  Config: {
    Env?: string[] | null;
    Labels?: Record<string, string> | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    User?: string;
  };
}

async function cli(args: string[], timeoutMs = 60_000): Promise<string> {
  const r = await docker(args, { timeoutMs });
  if (r.failed) throw new Error(`docker ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** A container by id: what the suites do to a running notebook besides exec. */
export class ContainerHandle {
  constructor(readonly id: string) {}

  async inspect(): Promise<ContainerInspect> {
    return (JSON.parse(await cli(['container', 'inspect', this.id])) as ContainerInspect[])[0]!;
  }

  /** `docker stop -t <t>` (seconds before SIGKILL). */
  async stop(opts: { t?: number } = {}): Promise<void> {
    await cli(['stop', '-t', String(opts.t ?? 10), this.id], ((opts.t ?? 10) + 60) * 1000);
  }

  /** Everything the container wrote so far: stdout, then stderr. */
  async logs(): Promise<{ stdout: string; stderr: string }> {
    // Final newlines kept: stdout and stderr are joined by callers.
    const r = await execa(dockerBin(), ['logs', this.id], { reject: false, timeout: 60_000, stripFinalNewline: false });
    if (r.exitCode !== 0) throw new Error(`docker logs ${this.id} failed: ${r.stderr}`);
    return { stdout: r.stdout, stderr: r.stderr };
  }

  async remove(): Promise<void> {
    await docker(['rm', '-f', '-v', this.id], { timeoutMs: 60_000 });
  }
}

export async function imageInspect(ref: string): Promise<ImageInspect> {
  return (JSON.parse(await cli(['image', 'inspect', ref])) as ImageInspect[])[0]!;
}

/** Removes an image the suite made (never a shared tag: callers pass their own). */
export async function removeImage(ref: string): Promise<void> {
  await docker(['image', 'rm', '-f', ref], { timeoutMs: 60_000 });
}

/** A named volume with this run's labels (removed with the run if the test does not remove it). */
export async function createVolume(name: string): Promise<string> {
  const labels = Object.entries(runLabels()).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  await cli(['volume', 'create', ...labels, name]);
  return name;
}

export async function removeVolume(name: string): Promise<void> {
  await docker(['volume', 'rm', '-f', name], { timeoutMs: 60_000 });
}
