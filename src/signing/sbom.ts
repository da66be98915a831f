/**
 * The CycloneDX SBOM kfc push --sign attests: kfc referee's (reports/sbom/<image>.cdx.json, made by
 * Trivy from the one saved archive every referee tool reads) when it belongs to this very image ID;
 * otherwise Trivy makes one now from a `docker save` of the image, offline.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { dockerBin } from '../engine/docker.ts';
import { KfcError } from '../errors.ts';
import { trivyOffline } from '../referees/run.ts';
import { requireTool } from '../referees/tools.ts';
import { readRefereeFile } from '../report/referees.ts';

export async function sbomFor(
  reportsDir: string,
  name: string,
  ref: string,
  id: string,
  log: (s: string) => void,
): Promise<string> {
  const referee = readRefereeFile(join(reportsDir, 'referees.json'))?.images.find((i) => i.name === name);
  if (referee?.id === id && referee.sbom?.file && existsSync(referee.sbom.file)) return referee.sbom.file;
  const trivy = requireTool('trivy');
  const work = mkdtempSync(join(tmpdir(), 'kfc-sbom-'));
  try {
    const archive = join(work, 'image.tar');
    const save = await execa(dockerBin(), ['save', '-o', archive, ref], { reject: false, all: true });
    if (save.exitCode !== 0) throw new KfcError(`docker save ${ref} failed: ${save.all?.split('\n').pop()}`);
    mkdirSync(join(reportsDir, 'sbom'), { recursive: true });
    const file = join(reportsDir, 'sbom', `${name}.cdx.json`);
    const cache = process.env.TRIVY_CACHE_DIR || join(process.env.HOME ?? '/root', '.cache', 'trivy');
    // Java archives are skipped without a Java DB (Trivy would try to download it), as kfc referee does.
    const javaDb = existsSync(join(cache, 'java-db', 'trivy-java.db')) ? 'present' : undefined;
    const offline = trivyOffline({ cacheDir: cache, ...(javaDb ? { javaDb } : {}) });
    const args = ['image', ...offline, '--input', archive, '--format', 'cyclonedx', '--output', file];
    const r = await execa(trivy, args, { reject: false, all: true, env: { NO_COLOR: '1' } });
    if (r.exitCode !== 0)
      throw new KfcError(`Trivy could not make the SBOM of ${ref}: ${r.all?.split('\n').pop()}`, {
        hint: `run: ${trivy} ${args.join(' ')}`,
      });
    log(`kfc push: ${name}: SBOM written by Trivy to ${file}`);
    return file;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
