/**
 * `kfc report` measuring: the references of the images, their measurement (run.ts), and the merge
 * with the earlier report.json so the page keeps the images not measured this time.
 */

import { join } from 'node:path';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { requireEngine } from '../engine/docker.ts';
import { resolveRefs } from '../engine/refs.ts';
import { KfcError } from '../errors.ts';
import { normaliseRepo } from '../tags/tags.ts';
import { readJsonFile } from './files.ts';
import { mergeReports } from './merge.ts';
import type { FamilyReport } from './model.ts';
import { type CollectOptions, collectReport } from './run.ts';
import { reportSecurityUpdates } from './security-updates.ts';

export interface ReportImagesOptions extends Omit<CollectOptions, 'refOf'> {
  repo?: string;
  tag?: string;
  /** Image name → the reference to measure instead of REPO/IMAGE:TAG. */
  imageRefs?: Map<string, string>;
  /** True when the user named the images: then each must be built here. */
  named: boolean;
  /** Where report.json is: with `merge`, its other images are kept. */
  out: string;
  merge: boolean;
  /** Check pending Debian security updates of each image (a container each, never cached). */
  securityUpdates?: boolean;
}

/** `fresh`: what was measured now; `report`: it merged into the earlier report (or `fresh` alone). */
export async function reportImages(
  catalog: Catalog,
  nodes: ImageNode[],
  opts: ReportImagesOptions,
): Promise<{ fresh: FamilyReport; report: FamilyReport }> {
  await requireEngine();
  const resolved = await resolveRefs(catalog, opts);
  const refOf = (n: ImageNode) => opts.imageRefs?.get(n.name) ?? resolved.refOf(n);
  const fresh = await collectReport(catalog, nodes, { ...opts, refOf });
  if (opts.named && fresh.missing.length) {
    throw new KfcError(
      `not built here: ${fresh.missing.map((n) => `${n} (${refOf(catalog.nodes.get(n)!)})`).join(', ')}`,
      { hint: `kfc build ${fresh.missing.join(' ')}, or pass --tag/--repo/--image-ref` },
    );
  }
  if (fresh.images.length === 0) {
    const repo = normaliseRepo(opts.repo ?? catalog.spec.registry.repo);
    throw new KfcError(`no catalog image is built here with tag "${resolved.tag}"${repo ? ` in ${repo}` : ''}`, {
      hint: 'kfc build IMAGE first, or pass --tag/--repo/--image-ref',
    });
  }
  if (opts.securityUpdates !== false) await reportSecurityUpdates(catalog, fresh, opts.log);
  if (!opts.merge) return { fresh, report: fresh };
  const prev = readJsonFile<FamilyReport>(join(opts.out, 'report.json'));
  const names = catalog.order.map((n) => n.name);
  return { fresh, report: mergeReports(prev, fresh, names) };
}
