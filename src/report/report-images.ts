/**
 * `kfc report` and `kfc referee` measuring: the references of the images, the referee tools and the
 * result caches, their measurement (run.ts), and the merge with the earlier report.json so the page
 * keeps the images not measured this time.
 */

import { join } from 'node:path';
import { LayerBlobs } from '../blobs/layer-blobs.ts';
import { ResultStore } from '../cache/store.ts';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { requireEngine } from '../engine/docker.ts';
import { resolveRefs } from '../engine/refs.ts';
import { KfcError } from '../errors.ts';
import { advisoriesNote } from '../referees/advisories.ts';
import type { RefereeImage } from '../referees/model.ts';
import { type RefereeSetup, type RefereeSetupOptions, refereeSetup } from '../referees/setup.ts';
import { measuringCodeDigest } from './code-digest.ts';
import { readJsonFile } from './files.ts';
import { mergeReports } from './merge.ts';
import type { FamilyReport } from './model.ts';
import { type CollectOptions, collectReport, type ResultCaches } from './run.ts';
import { checkSecurityUpdates } from './security-updates.ts';

export interface ReportImagesOptions extends Omit<CollectOptions, 'refOf' | 'referees' | 'cache' | 'keepLayers'> {
  repo?: string;
  tag?: string;
  /** Image name → the reference to measure instead of REPO/IMAGE:TAG. */
  imageRefs?: Map<string, string>;
  /** True when the user named the images: then each must be built here. */
  named: boolean;
  /** Where report.json is: with `merge`, its other images are kept. Also where sbom/ goes. */
  out: string;
  merge: boolean;
  /** Check pending Debian security updates of each image once (a container each, never cached). Default on. */
  securityUpdates?: boolean;
  /** kfc referee: note on each verdict whether the Python and npm advisory services answer. */
  advisories?: boolean;
  /** The referee tools on `images` (all the measured ones when absent). */
  referees?: Omit<RefereeSetupOptions, 'log'> & { images?: (node: ImageNode) => boolean };
  /** false: no result cache (--no-result-cache). Default: on, unless KFC_TEST_CACHE=off. */
  resultCache?: boolean;
  /** The cache's directory (default: the kfc cache dir). */
  cacheDir?: string;
  /** Keep each saved image's layers as zstd blobs for kfc node-pull (--keep-layers). */
  keepLayers?: boolean;
}

export interface ReportedImages {
  /** What was measured now (cached images included). */
  fresh: FamilyReport;
  /** `fresh` merged into the earlier report.json (or `fresh` alone). */
  report: FamilyReport;
  referees: RefereeImage[];
  /** The referee tools' versions, when they ran. */
  tools?: Record<string, string>;
}

async function caches(opts: ReportImagesOptions, engine: string): Promise<ResultCaches | undefined> {
  if (opts.resultCache === false) return undefined;
  const store = (kind: string) => new ResultStore(kind, opts.cacheDir ? { dir: opts.cacheDir } : {});
  const report = store('report');
  const referee = store('referee');
  if (!report.on && !referee.on) return undefined;
  return { report, referee, code: await measuringCodeDigest(), engine };
}

export async function reportImages(
  catalog: Catalog,
  nodes: ImageNode[],
  opts: ReportImagesOptions,
): Promise<ReportedImages> {
  const engineVersion = await requireEngine();
  let setup: RefereeSetup | undefined;
  if (opts.referees) setup = await refereeSetup({ ...opts.referees, log: opts.log });
  const resolved = await resolveRefs(catalog, opts);
  const refOf = (n: ImageNode) => opts.imageRefs?.get(n.name) ?? resolved.refOf(n);
  const only = opts.referees?.images ?? (() => true);
  const unjudged = setup ? nodes.filter((n) => !only(n)).map((n) => n.name) : [];
  if (unjudged.length) opts.log(`kfc report: referees not run on ${unjudged.join(' ')} (images.yaml test.referees)`);
  const { referees: _referees, keepLayers, ...collect } = opts;
  const layerDir = opts.cacheDir ? join(opts.cacheDir, 'layer-blobs') : undefined;
  const collected = await collectReport(catalog, nodes, {
    ...collect,
    refOf,
    ...(keepLayers ? { keepLayers: new LayerBlobs(layerDir, opts.log) } : {}),
    cache: await caches(opts, engineVersion),
    ...(setup
      ? {
          referees: {
            setup,
            images: new Set(nodes.filter(only).map((n) => n.name)),
            sbomDir: join(opts.out, 'sbom'),
          },
        }
      : {}),
  });
  const fresh = collected.report;
  const refFlags = opts.report === false ? '--tag/--repo' : '--tag/--repo/--image-ref';
  if (opts.named && fresh.missing.length) {
    throw new KfcError(
      `not built here: ${fresh.missing.map((n) => `${n} (${refOf(catalog.nodes.get(n)!)})`).join(', ')}`,
      { hint: `kfc build ${fresh.missing.join(' ')}, or pass ${refFlags}` },
    );
  }
  const judged = opts.report === false ? collected.referees.length : fresh.images.length;
  if (judged === 0) {
    const { repo } = resolved;
    throw new KfcError(`no catalog image is built here with tag "${resolved.tag}"${repo ? ` in ${repo}` : ''}`, {
      hint: `kfc build IMAGE first, or pass ${refFlags}`,
    });
  }
  if (opts.securityUpdates !== false) await checkSecurityUpdates(catalog, fresh, collected.referees, opts.log);
  if (opts.advisories) {
    const note = await advisoriesNote();
    for (const r of collected.referees) r.notes.push(note);
  }
  const out = { fresh, report: fresh, referees: collected.referees, ...(setup ? { tools: setup.tools } : {}) };
  if (!opts.merge) return out;
  const prev = readJsonFile<FamilyReport>(join(opts.out, 'report.json'));
  const names = catalog.order.map((n) => n.name);
  return { ...out, report: mergeReports(prev, fresh, names) };
}
