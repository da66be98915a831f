/** Package manifests of an image: the probes of manifests.ts, run in a throwaway container. */

import { docker } from '../engine/docker.ts';
import { withThrowaway } from '../engine/throwaway.ts';
import { applyProbe, emptyManifests, type Manifests, probes } from './manifests.ts';

/** Starts the image (sleep, no network) and runs every probe in it; the container is always removed. */
export async function collectManifests(ref: string, condaDir = '/opt/conda', timeoutMs = 180_000): Promise<Manifests> {
  const m = emptyManifests();
  const runArgs = ['--network', 'none', '--entrypoint', 'sleep', ref, 'infinity'];
  return withThrowaway({ purpose: 'report-manifest', label: 'org.kfc.report=1', runArgs }, async (name, run) => {
    if (run.failed) {
      m.errors.push(`could not start a container: ${(run.stderr || run.stdout).split('\n')[0]}`);
      return m;
    }
    for (const p of probes()) {
      const res = await docker(['exec', name, 'sh', '-c', p.script], { timeoutMs });
      const out = { exitCode: res.exitCode ?? 1, stdout: String(res.stdout ?? ''), stderr: String(res.stderr ?? '') };
      applyProbe(m, p, out, condaDir);
    }
    return m;
  });
}
