/** The ReportEngine over the local Docker engine: docker image inspect, docker save, containers. */

import { execa } from 'execa';
import { dockerBin, inspectImage } from '../engine/docker.ts';
import { KfcError } from '../errors.ts';
import { type ImageArchive, readImageArchive } from '../metrics/layers.ts';
import type { InspectedImage, ReportEngine } from './engine.ts';
import { mergeArchives } from './merge.ts';
import { collectManifests } from './probe-manifests.ts';
import { measureStart } from './start-time.ts';

export async function inspect(ref: string): Promise<InspectedImage | undefined> {
  const i = await inspectImage(ref);
  return i && { id: i.id, size: i.size, tags: i.tags, created: i.created, diffIds: i.layers, env: i.env };
}

/** `docker save` of several images in one stream (shared layers are written once), analysed as it streams. */
export async function saveAndRead(refs: string[]): Promise<ImageArchive> {
  const proc = execa(dockerBin(), ['save', ...refs], {
    buffer: { stdout: false, stderr: true },
    reject: false,
    stripFinalNewline: true,
  });
  const archive = readImageArchive(proc.stdout!);
  const [result, res] = await Promise.allSettled([archive, proc]);
  const done = res.status === 'fulfilled' ? res.value : undefined;
  if (done?.exitCode !== 0) {
    const why = (done?.stderr as string | undefined)?.split('\n').find((l) => l.trim()) ?? 'docker save failed';
    throw new KfcError(`docker save ${refs.join(' ')}: ${why}`, {
      hint: 'check the images exist (kfc build) and the engine has room',
    });
  }
  if (result.status === 'rejected')
    throw new KfcError(`could not read the image archive: ${(result.reason as Error).message}`, {
      hint: 'report it with the docker version; set KFC_DEBUG=1 for details',
    });
  return result.value;
}

/**
 * One `docker save` per image: the engine writes a whole export under its data root before it
 * streams it, so saving the family at once needs scratch space for every distinct layer (18 GB with
 * the GPU images); one at a time needs room for the largest image only, at the cost of re-reading
 * shared layers.
 */
async function saveAndReadEach(refs: string[]): Promise<ImageArchive> {
  const archives: ImageArchive[] = [];
  for (const ref of refs) archives.push(await saveAndRead([ref]));
  return mergeArchives(archives);
}

export const dockerReportEngine: ReportEngine = {
  inspect,
  saveAndRead: saveAndReadEach,
  manifests: (ref, condaDir) => collectManifests(ref, condaDir),
  measureStart,
};
