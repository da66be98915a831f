/** Where each image's time went in one run (report.json images[].seconds), as a table. Pure. */
import type { ImageSeconds } from './model.ts';

const cell = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(1));

export function secondsTable(rows: { name: string; seconds?: ImageSeconds }[]): string {
  const lines = [
    '| image | save s | kfc s | manifests s | starts s | dive s | trivy s | total s | cached |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { name, seconds: s } of rows) {
    if (!s) continue;
    const cells = [s.save, s.kfc, s.manifests, s.starts, s.dive, s.trivy, s.total].map(cell);
    lines.push(`| ${name} | ${cells.join(' | ')} | ${s.cached?.join(', ') || '-'} |`);
  }
  return lines.join('\n');
}
