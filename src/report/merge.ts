/** Putting measurements together: family totals, a report with an earlier one. */

import { type FamilyReport, type ImageReport, REPORT_VERSION } from './model.ts';

/** Family totals from image reports (by layer digest). */
export function familyFigures(images: ImageReport[]): FamilyReport['family'] {
  const unique = new Map<string, number>();
  let sumBytes = 0;
  let sumLayers = 0;
  for (const i of images) {
    for (const l of i.layers) {
      unique.set(l.diffId, l.size);
      sumBytes += l.size;
    }
    sumLayers += i.layers.length;
  }
  const uniqueBytes = [...unique.values()].reduce((a, b) => a + b, 0);
  return {
    images: images.length,
    sumBytes,
    uniqueBytes,
    uniqueLayers: unique.size,
    sumLayers,
    ratio: sumBytes === 0 ? 1 : uniqueBytes / sumBytes,
  };
}

/** A report of `images` (in the order given): family totals and breaches follow from them. */
export function familyReport(
  images: ImageReport[],
  missing: string[],
  notes: string[],
  generatedAt = new Date().toISOString(),
): FamilyReport {
  return {
    version: REPORT_VERSION,
    generatedAt,
    images,
    family: familyFigures(images),
    missing,
    breaches: images.flatMap((i) => i.breaches),
    notes,
  };
}

/** Replaces the re-measured images in an earlier report, keeping the others (the page lists every image). */
export function mergeReports(prev: FamilyReport | undefined, next: FamilyReport, catalogNames: string[]): FamilyReport {
  if (!prev || prev.version !== REPORT_VERSION) return next;
  const fresh = new Set(next.images.map((i) => i.name));
  const kept = prev.images.filter((i) => !fresh.has(i.name) && catalogNames.includes(i.name));
  const images = catalogNames
    .map((n) => next.images.find((i) => i.name === n) ?? kept.find((i) => i.name === n))
    .filter((i): i is ImageReport => Boolean(i));
  const missing = catalogNames.filter((n) => !images.some((i) => i.name === n));
  return familyReport(images, missing, next.notes, next.generatedAt);
}
