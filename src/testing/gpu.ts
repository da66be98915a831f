/**
 * GPU tests of the GPU images: they run where the engine can give a container a GPU
 * (`docker run --gpus all`), and are skipped with the reason "not run, no GPU" where it cannot —
 * counted and printed by node:test, never a silent pass. A machine that HAS an NVIDIA GPU (its driver
 * is loaded) but whose engine cannot hand it to containers fails instead of skipping, and so does
 * KFC_TEST_GPU=required on a machine without one (for GPU runners in CI).
 */
import { existsSync } from 'node:fs';
import { type HostConfig, runOnce } from './container.ts';

export const NO_GPU = 'not run, no GPU';

/** `--gpus all` as the engine API spells it. */
export const GPU_HOST_CONFIG: HostConfig = {
  DeviceRequests: [{ Driver: '', Count: -1, DeviceIDs: [], Capabilities: [['gpu']], Options: {} }],
};

export interface GpuFacts {
  /** The NVIDIA kernel driver is loaded on this machine. */
  hostHasGpu: boolean;
  /** What happened when a container asked for every GPU. */
  engine:
    | { kind: 'no-gpu-support'; detail: string }
    | { kind: 'gpus'; gpus: string[] }
    | { kind: 'broken'; detail: string };
  required: boolean;
}

export type GpuPlan = { run: true; gpus: string[] } | { run: false; skip: string } | { run: false; fail: string };

/** Pure: whether the GPU tests run, are skipped (and why) or must fail. */
export function gpuPlan(f: GpuFacts): GpuPlan {
  if (f.engine.kind === 'gpus') return { run: true, gpus: f.engine.gpus };
  if (f.engine.kind === 'broken')
    return {
      run: false,
      fail: `the engine accepted --gpus all but the GPU is not usable in the container: ${f.engine.detail}`,
    };
  if (f.hostHasGpu) {
    return {
      run: false,
      fail:
        `this machine has an NVIDIA GPU but the engine cannot give it to a container (${f.engine.detail}); ` +
        'install and configure the NVIDIA container toolkit (nvidia-ctk runtime configure --runtime=docker)',
    };
  }
  if (f.required)
    return {
      run: false,
      fail: `KFC_TEST_GPU=required but the engine cannot give a container a GPU (${f.engine.detail})`,
    };
  return { run: false, skip: NO_GPU };
}

/** Facts about this machine and its engine: runs `nvidia-smi -L` in the image with every GPU requested. */
export async function gpuFacts(image: string): Promise<GpuFacts> {
  const hostHasGpu = existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidiactl');
  const required = process.env.KFC_TEST_GPU === 'required';
  let engine: GpuFacts['engine'];
  try {
    // The toolkit mounts nvidia-smi into containers that ask for the utility capability (the images do).
    const r = await runOnce(image, ['nvidia-smi', '-L'], GPU_HOST_CONFIG, '1000:100');
    const gpus = r.stdout.split('\n').filter((l) => /^GPU \d+:/.test(l));
    engine =
      r.exitCode === 0 && gpus.length > 0
        ? { kind: 'gpus', gpus }
        : {
            kind: 'broken',
            detail: `nvidia-smi -L exited ${r.exitCode}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`,
          };
  } catch (e) {
    const msg = (e as Error).message;
    // Docker without the NVIDIA toolkit: 'could not select device driver "" with capabilities: [[gpu]]';
    // with the toolkit but no driver: 'nvidia-container-cli: initialization error: nvml error: …'.
    const m = /(could not select device driver|nvidia-container-cli).*/s.exec(msg);
    if (!m) throw e;
    engine = { kind: 'no-gpu-support', detail: m[0].split('\n')[0]!.trim().slice(0, 300) };
  }
  return { hostHasGpu, engine, required };
}
