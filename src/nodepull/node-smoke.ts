/**
 * The Kubeflow contract, checked on a node's pulled image: started as a Notebook pod starts it
 * (NB_PREFIX=/notebook/<namespace>/<name>, no token, runAsUser 1000, runAsGroup 100, fsGroup 100, an empty
 * home volume), port 8888 published on the host's 127.0.0.1 (the node engine's own proxy; its bridge is
 * not the build engine's), the catalog's ready path under the prefix answering 200 and, for a Jupyter
 * server, one kernel through the REST API. Each part timed; the container and its volume removed.
 */

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ImageNode } from '../catalog/model.ts';
import { docker } from '../engine/docker.ts';
import { poll } from '../engine/poll.ts';
import { type KernelFigures, kernelRoundTrip } from './kernel-round-trip.ts';

export interface SmokePlan {
  /** Readiness path under NB_PREFIX (images.yaml test.ready). */
  ready: string;
  /** Start one kernel: a Jupyter server. */
  kernel: boolean;
}

/**
 * What the smoke checks for an image. The kernel step needs a Jupyter server: the ready path is
 * Jupyter's /api/status and the image or an ancestor is in the Jupyter web app's `jupyter` spawner
 * group (images.yaml). A stand-in that only serves /api/status (tests/fixtures/engine) gets no kernel step.
 */
export function smokePlan(node: ImageNode): SmokePlan {
  const ready = node.spec.test.ready;
  return { ready, kernel: ready === '/api/status' && node.chain.some((c) => c.spec.spawner?.group === 'jupyter') };
}

export interface SmokeFigures {
  /** NB_PREFIX + ready path (the port left out). */
  path: string;
  /** `docker run -d` (the node creates and starts the container). */
  runMs: number;
  /** `docker run` → the ready path answered 200. */
  readyMs: number;
  kernel?: KernelFigures;
}

export interface SmokeResult {
  figures: SmokeFigures;
  problems: string[];
}

const READY_TIMEOUT_MS = 180_000;
const KERNEL_TIMEOUT_MS = 120_000;

const firstLine = (s: string) => s.split('\n').find((l) => l.trim()) ?? '';

/**
 * The last log lines of a container on the node, on one line. Right after a container stops the engine
 * may refuse its logs for a moment ("dead or marked for removal"): asked once more, then nothing.
 */
async function logTail(name: string, env: Record<string, string>): Promise<string> {
  let logs = await docker(['logs', '--tail', '5', name], { env });
  if (logs.failed) {
    await new Promise((r) => setTimeout(r, 500));
    logs = await docker(['logs', '--tail', '5', name], { env });
    if (logs.failed) return '';
  }
  return `${logs.stdout}\n${logs.stderr}`
    .split('\n')
    .filter((l) => l.trim())
    .slice(-3)
    .join(' | ');
}

/** Runs the smoke of `ref` on the engine `env` points at (the node). Never throws for the image's faults. */
export async function runSmoke(
  image: string,
  ref: string,
  plan: SmokePlan,
  env: Record<string, string>,
): Promise<SmokeResult> {
  const id = randomBytes(3).toString('hex');
  const name = `kfc-node-smoke-${image}-${id}`;
  const volume = `${name}-home`;
  const prefix = `/notebook/kfc-node/${image}-${id}`;
  const figures: SmokeFigures = { path: `${prefix}${plan.ready}`, runMs: 0, readyMs: 0 };
  const problems: string[] = [];
  const fail = (problem: string): SmokeResult => {
    problems.push(problem);
    return { figures, problems };
  };
  try {
    const vol = await docker(['volume', 'create', volume], { env });
    if (vol.failed) return fail(`docker volume create: ${firstLine(vol.stderr)}`);
    // An empty PVC with fsGroup 100: its root is group 100, setgid and group-writable.
    const prep = await docker(
      [
        'run',
        '--rm',
        '--user',
        '0',
        '--entrypoint',
        'sh',
        '-v',
        `${volume}:/mnt/home`,
        ref,
        '-c',
        'chgrp 100 /mnt/home && chmod 2775 /mnt/home',
      ],
      { env },
    );
    if (prep.failed) return fail(`preparing the home volume: ${firstLine(prep.stderr)}`);
    const t0 = performance.now();
    const run = await docker(
      [
        'run',
        '-d',
        '--name',
        name,
        '--user',
        '1000:100',
        '--group-add',
        '100',
        '-p',
        '127.0.0.1::8888',
        '-e',
        `NB_PREFIX=${prefix}`,
        '--mount',
        `type=volume,src=${volume},dst=/home/jovyan,volume-nocopy`,
        ref,
      ],
      { env },
    );
    figures.runMs = Math.round(performance.now() - t0);
    if (run.failed) return fail(`docker run: ${firstLine(run.stderr)}`);
    /** The container's exit code once it has stopped; undefined while it runs. */
    const exitCode = async () => {
      const state = await docker(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', name], { env });
      return state.stdout.startsWith('false') ? state.stdout.split(' ')[1] : undefined;
    };
    const notReady = async (last: string, waited: boolean) => {
      const tail = await logTail(name, env);
      return fail(
        `${figures.path} did not answer 200 ${waited ? `within ${READY_TIMEOUT_MS / 1000} s ` : ''}(last: ${last})` +
          (tail ? `; logs: ${tail}` : ''),
      );
    };
    const port = /:(\d+)\s*$/m.exec((await docker(['port', name, '8888/tcp'], { env })).stdout)?.[1];
    if (!port) {
      // A container that has already stopped publishes no port.
      const code = await exitCode();
      return code === undefined
        ? fail('docker run published no port for 8888')
        : notReady(`the container exited (${code})`, false);
    }
    const base = `http://127.0.0.1:${port}${prefix}`;
    let last = '';
    let exited = false;
    const ready = await poll(
      async () => {
        try {
          const r = await fetch(`${base}${plan.ready}`, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
          await r.arrayBuffer();
          if (r.status === 200) return true;
          last = `HTTP ${r.status}`;
        } catch (e) {
          const err = e as Error & { cause?: Error };
          last = err.cause?.message ?? err.message;
          const code = await exitCode();
          if (code !== undefined) {
            exited = true;
            last = `the container exited (${code})`;
            return false;
          }
        }
        return undefined;
      },
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100 },
    );
    figures.readyMs = Math.round(performance.now() - t0);
    if (!ready) return notReady(last, !exited);
    if (plan.kernel)
      try {
        figures.kernel = await kernelRoundTrip(base, KERNEL_TIMEOUT_MS);
      } catch (e) {
        const tail = await logTail(name, env);
        problems.push(`kernel: ${(e as Error).message}${tail ? `; logs: ${tail}` : ''}`);
      }
    return { figures, problems };
  } finally {
    await docker(['rm', '-f', '-v', name], { env });
    await docker(['volume', 'rm', '-f', volume], { env });
  }
}

/** Smoke figures per image as a Markdown table (a row's smoke problems start with "smoke:"). */
export function formatSmokeTable(rows: { image: string; smoke?: SmokeFigures; problems: string[] }[]): string {
  const s = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
  return [
    '| image | path | docker run | run → ready | kernel | kernel start → idle | kernel delete | smoke |',
    '|---|---|---:|---:|---|---:|---:|---|',
    ...rows.flatMap(({ image, smoke, problems }) => {
      if (!smoke) return [];
      const k = smoke.kernel;
      const path = smoke.path.replace(/-[0-9a-f]{6}\//, '-<id>/');
      const kernel = k ? `${k.name} (${k.language})` : '—';
      const ok = problems.some((p) => p.startsWith('smoke:')) ? 'FAILED' : 'passed';
      return [
        `| ${image} | ${path} | ${s(smoke.runMs)} | ${s(smoke.readyMs)} | ${kernel} | ${s(k?.startMs)} | ` +
          `${s(k?.deleteMs)} | ${ok} |`,
      ];
    }),
  ].join('\n');
}
