/** The small formatters every report renderer shares (pure). */
import { formatBytes } from '../metrics/gates.ts';
import type { ImageReport } from './model.ts';

export const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;
export const eff = (x: number) => x.toFixed(4);
// (NaN medians are null once written to JSON)
export const ms = (x: number | null | undefined) =>
  x === undefined || x === null || Number.isNaN(x) ? '—' : `${Math.round(x)} ms`;

export function shareLine(i: ImageReport): string {
  const p = i.sharing.parent;
  if (!p) return i.parent ? `parent ${i.parent} not measured` : 'root image';
  const layers = `${p.layers}/${p.ofLayers} layers`;
  return `${formatBytes(p.bytes)} of ${formatBytes(p.ofBytes)} (${pct(p.ratio)}, ${layers}) shared with ${p.with}`;
}

/** The layers a wasted path is written in: `index (bit)`, comma-separated. */
export function wastedLayers(w: ImageReport['metrics']['topWasted'][number]): string {
  return w.layers.map((l) => `${l.index}${l.bit ? ` (${l.bit})` : ''}`).join(', ');
}
