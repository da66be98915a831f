/**
 * What node-pull pushes: an image's zstd layers and config from the layer store (src/blobs), written by kfc
 * report from its one save of the image; an image the report did not save (its results were cached, or it
 * ran without --keep-layers) is saved once here and read the same way, unless only its config is missing (an
 * internal ancestor, whose layers its descendants' saves held): that is read from the engine's image store.
 * The store is pruned to the layers of the images the build engine holds.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import type { LayerBlobs } from '../blobs/layer-blobs.ts';
import { docker, dockerBin } from '../engine/docker.ts';
import { lastLine } from '../engine/last-line.ts';
import { storedImageConfig } from '../engine/stored-config.ts';
import { KfcError } from '../errors.ts';

const gb = (n: number) => `${(n / 1e9).toFixed(2)} GB`;

export interface KeepRequest {
  name: string;
  ref: string;
  id: string;
  diffIds: string[];
  /** Where a save of its own goes (deleted after). */
  work: string;
  log: (line: string) => void;
}

/** A save made here, for the image's other readers (its SBOM); drop() deletes it. */
export interface OwnSave {
  archive?: string;
  drop(): void;
}

const kept = (r: KeepRequest): OwnSave => {
  r.log(`kfc node-pull: ${r.name}: its ${r.diffIds.length} zstd layers and config are kept already: no save`);
  return { drop: () => undefined };
};

/**
 * Makes sure the store holds the image's config and zstd layers, and says where they came from. The archive
 * of a save made for them is left for the caller's other readers.
 */
export async function keepLayers(store: LayerBlobs, r: KeepRequest): Promise<OwnSave> {
  const missing = store.missing(r.id, r.diffIds);
  if (!missing.length) return kept(r);
  // An ancestor's layers are all in its descendants' saves: only its config is missing, and the engine keeps it.
  if (missing.length === 1 && missing[0] === r.id) {
    const config = await storedImageConfig(r.id);
    if (config && store.keepConfig(r.id, config)) {
      r.log(`kfc node-pull: ${r.name}: its config read from the engine's image store (sha256 checked)`);
      return kept(r);
    }
  }
  const file = join(r.work, `${r.name}.tar`);
  const drop = () => rmSync(file, { force: true });
  const t0 = performance.now();
  try {
    const saved = await execa(dockerBin(), ['save', '-o', file, r.ref], { reject: false });
    if (saved.exitCode !== 0) throw new KfcError(`docker save ${r.ref} failed: ${lastLine(saved.stderr)}`);
    const saveSeconds = Math.round((performance.now() - t0) / 100) / 10;
    const kept = await store.keepFromArchive(file);
    const into = kept.added.reduce((a, x) => a + x.bytesIn, 0);
    const out = kept.added.reduce((a, x) => a + x.bytesOut, 0);
    r.log(
      `kfc node-pull: ${r.name}: ${missing.length} of its parts were not kept: one docker save (${saveSeconds} s),` +
        ` ${kept.added.length} layers compressed with zstd (${gb(into)} to ${gb(out)}) in ${kept.seconds} s`,
    );
    const still = store.missing(r.id, r.diffIds);
    if (still.length) throw new KfcError(`${r.ref}'s save lacks ${still[0]} (its config or a layer)`);
  } catch (e) {
    drop();
    throw e;
  }
  return { archive: file, drop };
}

/** Drops from the store what no image in the build engine uses (old builds); says how much it freed. */
export async function pruneLayerStore(store: LayerBlobs, log: (line: string) => void): Promise<void> {
  const ids = (await docker(['image', 'ls', '--all', '--quiet', '--no-trunc'])).stdout.split('\n').filter(Boolean);
  if (!ids.length) return;
  const listed = await docker(['image', 'inspect', '--format', '{{.Id}} {{join .RootFS.Layers " "}}', ...new Set(ids)]);
  if (listed.failed) return; // an image removed meanwhile: prune another time
  const keep = new Set(listed.stdout.split(/\s+/).filter(Boolean));
  const freed = store.prune(keep);
  if (freed) log(`kfc node-pull: layer store: ${gb(freed)} of layers no image in the engine has, dropped`);
}
