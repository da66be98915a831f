/**
 * The ReportEngine over the local Docker engine: docker image inspect, docker save, containers.
 * One image per `docker save`: the engine writes a whole export under its data root before it
 * streams it, so saving the family at once needs scratch space for every distinct layer (18 GB with
 * the GPU images); one at a time needs room for the largest image only.
 */

import { execa } from 'execa';
import { dockerBin, inspectImage } from '../engine/docker.ts';
import { KfcError } from '../errors.ts';
import { type ImageArchive, readImageArchive } from '../metrics/archive/image-archive.ts';
import type { InspectedImage, ReportEngine } from './engine.ts';
import { collectManifests } from './probe-manifests.ts';
import { measureStart } from './start-time.ts';

async function inspect(ref: string): Promise<InspectedImage | undefined> {
  const i = await inspectImage(ref);
  return i && { id: i.id, size: i.size, tags: i.tags, created: i.created, diffIds: i.layers, env: i.env };
}

function saveFailed(ref: string, stderr: unknown): KfcError {
  const why = (stderr as string | undefined)?.split('\n').find((l) => l.trim()) ?? 'docker save failed';
  return new KfcError(`docker save ${ref}: ${why}`, {
    hint: 'check the image exists (kfc build) and the engine and the scratch directory have room',
  });
}

/** `docker save` of one image, analysed as it streams. */
async function saveAndRead(ref: string): Promise<{ archive: ImageArchive; bytes: number }> {
  const proc = execa(dockerBin(), ['save', ref], {
    buffer: { stdout: false, stderr: true },
    reject: false,
    stripFinalNewline: true,
  });
  let bytes = 0;
  const counted = (async function* () {
    for await (const c of proc.stdout!) {
      bytes += (c as Buffer).length;
      yield c;
    }
  })();
  const archive = readImageArchive(counted);
  // A reader that gives up must not leave docker save blocked on a full pipe.
  archive.catch(() => proc.kill());
  const [result, res] = await Promise.allSettled([archive, proc]);
  const done = res.status === 'fulfilled' ? res.value : undefined;
  if (done?.exitCode !== 0) throw saveFailed(ref, done?.stderr);
  if (result.status === 'rejected')
    throw new KfcError(`could not read the image archive: ${(result.reason as Error).message}`, {
      hint: 'report it with the docker version; set KFC_DEBUG=1 for details',
    });
  return { archive: result.value, bytes };
}

async function saveTo(ref: string, file: string): Promise<void> {
  const r = await execa(dockerBin(), ['save', '-o', file, ref], { reject: false });
  if (r.exitCode !== 0) throw saveFailed(ref, r.stderr);
}

export const dockerReportEngine: ReportEngine = {
  inspect,
  saveAndRead,
  saveTo,
  manifests: (ref, condaDir) => collectManifests(ref, condaDir),
  measureStart,
};
