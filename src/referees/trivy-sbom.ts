/**
 * An image's CycloneDX SBOM alone, by one Trivy pass over an archive already saved (no vulnerability or
 * secret scan: Trivy's cyclonedx format lists packages only), offline: for the images the referees
 * leave out (the GPU images, whose secret scan costs minutes) and for kfc push --sign when no SBOM is
 * kept for the image ID.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { KfcError } from '../errors.ts';
import { trivyOffline } from './run.ts';
import type { TrivySetup } from './setup.ts';
import { requireTool } from './tools.ts';

/** Trivy as kfc push finds it without a referee setup: the pinned binary, TRIVY_CACHE_DIR's DBs. */
export function plainTrivy(): Pick<TrivySetup, 'bin' | 'cacheDir' | 'javaDb'> {
  const cacheDir = process.env.TRIVY_CACHE_DIR || join(process.env.HOME ?? '/root', '.cache', 'trivy');
  // Java archives are skipped without a Java DB (Trivy would try to download it), as kfc referee does.
  const javaDb = existsSync(join(cacheDir, 'java-db', 'trivy-java.db')) ? 'present' : undefined;
  return { bin: requireTool('trivy'), cacheDir, ...(javaDb ? { javaDb } : {}) };
}

/** Trivy's CycloneDX SBOM of the image in `archive` (a docker save), written to `out`. */
export async function trivySbom(
  archive: string,
  out: string,
  what: string,
  t: Pick<TrivySetup, 'bin' | 'cacheDir' | 'javaDb'>,
): Promise<void> {
  const args = ['image', ...trivyOffline(t), '--input', archive, '--format', 'cyclonedx', '--output', out];
  const r = await execa(t.bin, args, { reject: false, all: true, env: { NO_COLOR: '1' } });
  if (r.exitCode !== 0)
    throw new KfcError(`Trivy could not make the SBOM of ${what}: ${r.all?.split('\n').pop()}`, {
      hint: `run: ${t.bin} ${args.join(' ')}`,
    });
}
