/** The report as a text table for the terminal (pure). */
import { formatBytes } from '../metrics/gates.ts';
import type { FamilyReport, ImageReport } from './model.ts';
import { eff, ms, pct } from './render-format.ts';

/** Pending Debian security updates in a table cell: the count, or why the check did not run. */
function securityCell(i: ImageReport): string {
  const u = i.securityUpdates;
  if (!u) return '—';
  return u.notRun ? `not run: ${u.notRun}` : `${u.count}${u.allowed.length ? ` (+${u.allowed.length} allowed)` : ''}`;
}

export function textSummary(r: FamilyReport): string {
  const rows = [
    [
      'image',
      'size',
      'layers',
      'efficiency',
      'wasted',
      'user wasted',
      'shared w/ parent',
      'start median',
      'security updates',
      'gates',
    ],
  ];
  for (const i of r.images) {
    rows.push([
      i.name,
      formatBytes(i.size),
      String(i.layers.length),
      eff(i.metrics.efficiency),
      formatBytes(i.metrics.wastedBytes),
      pct(i.metrics.userWastedRatio),
      i.sharing.parent ? `${pct(i.sharing.parent.ratio)} of ${i.parent}` : i.parent ? '—' : 'root',
      i.start
        ? i.start.starts
          ? `${ms(i.start.medianMs)} ±${Math.round(i.start.iqrMs)} (n=${i.start.starts})`
          : 'no 200'
        : '—',
      securityCell(i),
      i.breaches.length ? `FAIL ${i.breaches.length}` : 'ok',
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const f = r.family;
  lines.push(
    '',
    `family: ${f.images} image(s), Σ sizes ${formatBytes(f.sumBytes)}, ` +
      `unique layer bytes ${formatBytes(f.uniqueBytes)} (${pct(f.ratio)} of the sum; ` +
      `${f.uniqueLayers} of ${f.sumLayers} layers)`,
  );
  if (r.missing.length) lines.push(`not built here: ${r.missing.join(', ')}`);
  return lines.join('\n');
}
