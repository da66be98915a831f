import Table from 'cli-table3';
import { formatBytes } from '../metrics/gates.ts';
import { roughly } from './progress-format.ts';

export interface BuiltImage {
  image: string;
  seconds: number;
  cachedSteps: number;
  /** Steps including FROM (the parent), which BuildKit never reports as cached. */
  steps: number;
  size: number;
}

/**
 * The table after a build: image, time, cached steps, size. "cached" counts the image's own steps
 * (RUN, COPY, ADD, WORKDIR), not FROM: a fully cached image reads n/n. The images build
 * concurrently: an image's time runs from the start of the build to its image, and the total is the
 * build's wall time (`seconds`, else the longest image). Pure; no colours.
 */
export function buildTable(results: BuiltImage[], seconds?: number): string {
  const table = new Table({
    head: ['image', 'time', 'cached steps', 'size'],
    colAligns: ['left', 'right', 'right', 'right'],
    style: { head: [], border: [], compact: true },
  });
  const own = (r: BuiltImage) => Math.max(0, r.steps - 1);
  const cached = (r: BuiltImage) => Math.min(r.cachedSteps, own(r));
  for (const r of results) {
    // Size 0: the image went to a registry only.
    table.push([r.image, roughly(r.seconds), `${cached(r)}/${own(r)}`, r.size ? formatBytes(r.size) : '-']);
  }
  if (results.length > 1) {
    const allCached = results.reduce((a, r) => a + cached(r), 0);
    const allOwn = results.reduce((a, r) => a + own(r), 0);
    const wall = seconds ?? Math.max(...results.map((r) => r.seconds));
    table.push([`${results.length} images`, roughly(wall), `${allCached}/${allOwn}`, '']);
  }
  return table.toString();
}
