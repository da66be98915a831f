/**
 * What kfc build and kfc bake give each image about the Debian archives it installs from: build arg
 * KFC_APT_ARCHIVES and the labels `org.kfc.apt.<suite>.date` / `.inrelease-sha256`, for the images whose
 * Dockerfile declares the arg (foundation's apt layer, so every image built on foundation). The archive
 * state is read once per base (apt-archives.ts: the recorded one, or read now with `refresh`); a catalog
 * whose images do not declare the arg reads nothing.
 */
import type { Catalog, ImageNode } from '../catalog/model.ts';
import type { BaseSpec } from '../catalog/schema.ts';
import { generateImage } from '../generate/generate.ts';
import {
  ARCHIVES_ARG,
  type ArchiveChoice,
  archiveLabels,
  archivesArg,
  chooseArchives,
  type MirrorArgs,
} from './apt-archives.ts';

/** Reads (or reuses) the archive state of one base: chooseArchives, or a test's stand-in. */
export type ArchiveReader = (
  root: string,
  key: string,
  base: BaseSpec,
  opts: { refresh?: boolean; args: MirrorArgs },
) => Promise<ArchiveChoice>;

export interface AptTarget {
  args: Record<string, string>;
  labels: Record<string, string>;
}

/** Whether a generated Dockerfile declares build arg `name` (kfc passes only those it uses). */
function declares(dockerfile: string, name: string): boolean {
  return new RegExp(`^ARG ${name}(=|\\s|$)`, 'm').test(dockerfile);
}

/** Image name → its arg and labels, for `nodes` and their ancestors that declare KFC_APT_ARCHIVES. */
export async function aptTargets(
  catalog: Catalog,
  nodes: ImageNode[],
  opts: {
    refresh?: boolean;
    /** The build args over the catalog's: DEBIAN_MIRROR / DEBIAN_SECURITY_MIRROR move the archives. */
    buildArgs?: Record<string, string>;
    /** The log lines' prefix (`kfc build`, `kfc bake`). */
    verb: string;
    log: (s: string) => void;
    read?: ArchiveReader;
  },
): Promise<Map<string, AptTarget>> {
  const read = opts.read ?? chooseArchives;
  const args = opts.buildArgs ?? {};
  const mirrors: MirrorArgs = {
    DEBIAN_MIRROR: args.DEBIAN_MIRROR,
    DEBIAN_SECURITY_MIRROR: args.DEBIAN_SECURITY_MIRROR,
  };
  const wanted = new Set(nodes.flatMap((n) => n.chain.map((c) => c.name)));
  const state = new Map<string, ArchiveChoice>();
  const out = new Map<string, AptTarget>();
  for (const node of catalog.order) {
    if (!wanted.has(node.name) || !node.base) continue;
    if (!declares(generateImage(catalog, node).dockerfile, ARCHIVES_ARG)) continue;
    let choice = state.get(node.baseKey);
    if (!choice) {
      choice = await read(catalog.root, node.baseKey, node.base, { refresh: opts.refresh, args: mirrors });
      state.set(node.baseKey, choice);
      const when = (a: { suite: string; date: string }) => `${a.suite} ${a.date}`;
      if (choice.moved.length)
        opts.log(
          `${opts.verb}: Debian archives moved: ${choice.moved.map(when).join(', ')}; ` +
            "foundation's apt layer and every later layer are built again",
        );
      else if (opts.refresh && choice.compared)
        opts.log(`${opts.verb}: Debian archives unchanged (${choice.archives.map(when).join(', ')}): the cache stays`);
      else if (opts.refresh)
        // A fresh clone has nothing to compare with: the engine's cache has the word (built with them or not).
        opts.log(
          `${opts.verb}: Debian archives read now (${choice.archives.map(when).join(', ')}); ` +
            'none recorded in this clone before: images built from others are built again',
        );
    }
    out.set(node.name, {
      args: { [ARCHIVES_ARG]: archivesArg(choice.archives) },
      labels: archiveLabels(choice.archives),
    });
  }
  return out;
}
