/**
 * How each image's figures came about in one run, for the end of kfc report's and kfc referee's
 * output: seconds per reader (report.json images[].seconds) and one line per image saying whether
 * it was saved and measured or served from the result cache. Pure.
 */
import type { RefereeImage } from '../referees/model.ts';
import type { ImageReport, ImageSeconds } from './model.ts';

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

const hit = (c: { key: string; storedAt: string }) => `cached (key ${c.key.slice(0, 12)}, stored ${c.storedAt})`;

/**
 * `kfc report: IMAGE: cached (key …, stored …)` or `… saved and measured in S s`, per image and part
 * (the same words as the progress lines, so a CI log reader finds them on stdout too).
 */
export function outcomeLines(verb: string, images: ImageReport[], referees: RefereeImage[]): string[] {
  const lines: string[] = [];
  const judged = new Map(referees.map((r) => [r.name, r]));
  for (const i of images) {
    const s = i.seconds;
    const how = s && s.save > 0 ? `saved and measured in ${s.total.toFixed(1)} s` : 'measured';
    lines.push(`${verb}: ${i.name}: ${i.cached ? hit(i.cached) : how}`);
    const r = judged.get(i.name);
    if (r) lines.push(`${verb}: ${i.name}: referees ${r.cached ? hit(r.cached) : 'judged the same saved archive'}`);
  }
  if (!images.length)
    for (const r of referees)
      lines.push(`${verb}: ${r.name}: ${r.cached ? hit(r.cached) : `saved and judged (save ${r.seconds.save} s)`}`);
  return lines;
}
