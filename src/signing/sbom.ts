/**
 * The CycloneDX SBOM kfc push --sign and kfc node-pull attest: the one kept for this very image ID
 * (src/referees/sbom-store.ts: kfc referee's and kfc report's, made by Trivy from the one archive
 * they saved), else kfc referee's file in the reports folder when it belongs to this image ID; only
 * when there is none, Trivy makes one now from a single `docker save`, offline, and it is kept by image
 * ID so no later push or node pull of that image saves it again. A caller that holds the image's archive
 * or an OCI layout of it (node-pull's, of the kept zstd layers) hands it over, and nothing is saved. Each
 * call logs how many saves and Trivy passes it made (0 and 0, 0 and 1, or 1 and 1).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import writeFileAtomic from 'write-file-atomic';
import { dockerBin } from '../engine/docker.ts';
import { KfcError } from '../errors.ts';
import { keepSbom, keptSbom } from '../referees/sbom-store.ts';
import { plainTrivy, trivySbom } from '../referees/trivy-sbom.ts';
import { readRefereeFile } from '../report/referees.ts';

export interface SbomRequest {
  name: string;
  /** The image as the engine knows it (saved from there when no SBOM is kept). */
  ref: string;
  id: string;
  /** Where <name>.cdx.json is written for cosign. */
  dir: string;
  /** A kfc referee output folder (referees.json, sbom/) to look in too. */
  reportsDir?: string;
  /** Log prefix: `kfc push`, `kfc node-pull`. */
  verb: string;
  log: (s: string) => void;
  /** The image's `docker save` archive, made already by the caller: Trivy reads it instead of a new save. */
  archive?: string;
  /** Else an OCI layout of the image (its blobs files, not symbolic links): Trivy reads that instead. */
  layout?: string;
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** The SBOM file of `r.id` for cosign attest; makes one from one save only when none is kept. */
export async function sbomFor(r: SbomRequest): Promise<string> {
  mkdirSync(r.dir, { recursive: true });
  const file = join(r.dir, `${r.name}.cdx.json`);
  const line = (how: string, saves: number, passes = saves) =>
    r.log(`${r.verb}: ${r.name}: SBOM of ${short(r.id)}: ${how}: ${saves} docker save, ${passes} Trivy pass now`);
  const kept = keptSbom(r.id, r.log);
  if (kept) {
    writeFileAtomic.sync(file, kept.text);
    line(`kept by image ID (made by ${kept.madeBy}, stored ${kept.storedAt})`, 0);
    return file;
  }
  const referee = r.reportsDir
    ? readRefereeFile(join(r.reportsDir, 'referees.json'))?.images.find((i) => i.id === r.id && i.sbom?.file)
    : undefined;
  if (referee?.sbom && existsSync(referee.sbom.file)) {
    if (resolve(referee.sbom.file) !== resolve(file)) copyFileSync(referee.sbom.file, file);
    keepSbom(r.id, readFileSync(file, 'utf8'), 'kfc referee (its one saved archive)', r.log);
    line(`kfc referee's ${referee.sbom.file}`, 0);
    return file;
  }
  const t0 = performance.now();
  const read = r.archive ?? r.layout;
  await saveAndSbom(r.ref, file, read);
  const how = r.archive ? "the caller's save" : r.layout ? 'its OCI layout (the kept zstd layers)' : 'one save';
  const madeBy = r.archive || !r.layout ? `one docker save of ${r.ref}` : 'Trivy, from its OCI layout of zstd layers';
  keepSbom(r.id, readFileSync(file, 'utf8'), `${r.verb} (${madeBy})`, r.log);
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  line(`none kept for this image ID: made from ${how} in ${seconds} s, kept by image ID`, read ? 0 : 1, 1);
  return file;
}

/**
 * One `docker save` of `ref` (unless `saved` is its archive or OCI layout), one Trivy pass over it (offline): the
 * SBOM in `file`.
 */
async function saveAndSbom(ref: string, file: string, saved?: string): Promise<void> {
  const trivy = plainTrivy();
  const work = mkdtempSync(join(tmpdir(), 'kfc-sbom-'));
  try {
    const archive = saved ?? join(work, 'image.tar');
    if (!saved) {
      const save = await execa(dockerBin(), ['save', '-o', archive, ref], { reject: false, all: true });
      if (save.exitCode !== 0) throw new KfcError(`docker save ${ref} failed: ${save.all?.split('\n').pop()}`);
    }
    const out = join(work, 'sbom.cdx.json');
    await trivySbom(archive, out, ref, trivy);
    writeFileAtomic.sync(file, readFileSync(out));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
