/** The report in Markdown: one page per image and the family's page (pure). */
import { formatBytes } from '../metrics/gates.ts';
import { securityUpdatesText } from '../referees/upgradable.ts';
import type { FamilyReport, ImageReport } from './model.ts';
import { refereesMarkdown, vulnLine } from './referees.ts';
import { eff, ms, pct, shareLine, wastedLayers } from './render-format.ts';

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function pkgTable(
  title: string,
  pkgs: { name: string; version: string; where?: string }[],
  withWhere: boolean,
): string[] {
  if (pkgs.length === 0) return [];
  const out = [
    `### ${title} (${pkgs.length})`,
    '',
    withWhere ? '| package | version | where |' : '| package | version |',
    withWhere ? '|---|---|---|' : '|---|---|',
  ];
  for (const p of pkgs)
    out.push(
      withWhere
        ? `| ${mdCell(p.name)} | ${mdCell(p.version)} | ${mdCell(p.where ?? '')} |`
        : `| ${mdCell(p.name)} | ${mdCell(p.version)} |`,
    );
  out.push('');
  return out;
}

/** `; N with root R` when the root is not the parent itself, else nothing. */
function rootShare(i: ImageReport): string {
  const root = i.sharing.root;
  return root && root.with !== i.parent ? `; ${formatBytes(root.bytes)} with root ${root.with}` : '';
}
export function imageMarkdown(i: ImageReport): string {
  const m = i.metrics;
  const out = [
    `# ${i.name}`,
    '',
    `- reference: \`${i.ref}\` (${i.id.slice(0, 19)}), created ${i.created}`,
    `- parent: ${i.parent ?? '— (root)'}`,
    `- size: ${formatBytes(i.size)} (${i.size} B), ${i.layers.length} layers`,
    `- efficiency: ${eff(m.efficiency)}; wasted ${formatBytes(m.wastedBytes)} in ${m.wastedPaths} path(s); ` +
      `user wasted ${pct(m.userWastedRatio, 2)}`,
    `- sharing: ${shareLine(i)}${rootShare(i)}`,
    `- tags: ${i.tags.map((t) => `\`${t}\``).join(', ') || '—'}`,
  ];
  if (vulnLine(i)) out.push(`- vulnerabilities (Trivy, kfc referee): ${vulnLine(i)}`);
  if (i.securityUpdates) out.push(`- pending Debian security updates: ${securityUpdatesText(i.securityUpdates)}`);
  const st = i.start;
  if (st)
    out.push(
      `- start (docker run → ${st.url} 200): median ${ms(st.medianMs)}, IQR ${ms(st.iqrMs)}, ` +
        `min ${ms(st.minMs)}, max ${ms(st.maxMs)}, n=${st.starts}` +
        (st.failures.length ? `; ${st.failures.length} failure(s)` : ''),
    );
  out.push('', '## Gates', '');
  if (i.breaches.length === 0) out.push('All gates pass.');
  for (const b of i.breaches) out.push(`- **FAIL** ${b.message}`);
  const g = i.gates;
  const limit = <T>(v: T | undefined, text: (v: T) => string, src?: string) =>
    v === undefined ? 'not gated' : `${text(v)}${src ? ` (${src})` : ''}`;
  const thresholds = [
    `efficiency ${limit(g.minEfficiency, (v) => `≥ ${v}`, g.source.minEfficiency)}`,
    `size ${g.maxSize ? `≤ ${formatBytes(g.maxSize)} (${g.source.maxSize})` : 'no budget'}`,
    `start median ${limit(g.maxStartMedianMs, (v) => `≤ ${v} ms`)}`,
    `parent bytes reused ${limit(g.minParentShare, (v) => `≥ ${pct(v, 0)}`)}`,
  ];
  out.push('', `Thresholds: ${thresholds.join(', ')}.`, '');
  out.push('## Layers', '', '| # | size | files | from | instruction | in parent |', '|---:|---:|---:|---|---|:-:|');
  for (const l of i.layers) {
    const from = l.base ? 'base image' : l.bit ? `${l.bit}${l.bitLine ? `:${l.bitLine}` : ''}` : '(unmatched)';
    const cells = [l.index, formatBytes(l.size), l.files, mdCell(from), mdCell(l.instruction), l.inParent ? 'yes' : ''];
    out.push(`| ${cells.join(' | ')} |`);
  }
  out.push('', '## Largest wasted paths', '');
  if (m.topWasted.length === 0) out.push('None: no path is written by more than one layer.');
  else {
    out.push('| path | cumulative | kept | layers (bit) |', '|---|---:|---:|---|');
    for (const w of m.topWasted)
      out.push(
        `| \`${mdCell(w.path)}\` | ${formatBytes(w.cumulativeBytes)} | ${formatBytes(w.minBytes)} | ` +
          `${wastedLayers(w)}${w.removed ? ' — removed later' : ''} |`,
      );
  }
  out.push('');
  if (i.manifests) {
    const mf = i.manifests;
    out.push('## Packages', '');
    out.push(
      ...pkgTable('Debian', mf.debian, false),
      ...pkgTable('Python', mf.python, true),
      ...pkgTable('R', mf.r, false),
      ...pkgTable('npm (global)', mf.npm, false),
    );
    if (mf.kernels.length)
      out.push(
        `### Jupyter kernels (${mf.kernels.length})`,
        '',
        ...mf.kernels.map((k) => `- ${k.name}: ${k.displayName} (${k.language})`),
        '',
      );
    if (mf.labextensions.length)
      out.push(
        ...pkgTable(
          'JupyterLab extensions',
          mf.labextensions.map((e) => ({ ...e, where: e.enabled ? 'enabled' : 'disabled' })),
          true,
        ),
      );
    if (mf.absent.length) out.push(`Not in this image: ${mf.absent.join('; ')}.`, '');
    if (mf.errors.length) out.push(`Errors: ${mf.errors.join('; ')}.`, '');
  }
  if (i.notes.length) out.push('## Notes', '', ...i.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

export function familyMarkdown(r: FamilyReport): string {
  const out = [
    '# Image family report',
    '',
    `Generated ${r.generatedAt} by \`kfc report\`.`,
    '',
    '| image | parent | size | efficiency | wasted | shared with parent | start median | gates |',
    '|---|---|---:|---:|---:|---|---:|---|',
  ];
  for (const i of r.images) {
    const cells = [
      `[${i.name}](${i.name}.md)`,
      i.parent ?? '—',
      formatBytes(i.size),
      eff(i.metrics.efficiency),
      formatBytes(i.metrics.wastedBytes),
      i.sharing.parent ? pct(i.sharing.parent.ratio) : '—',
      i.start ? (i.start.starts ? ms(i.start.medianMs) : 'no 200') : '—',
      i.breaches.length ? `FAIL (${i.breaches.map((b) => b.metric).join(', ')})` : 'pass',
    ];
    out.push(`| ${cells.join(' | ')} |`);
  }
  const f = r.family;
  out.push(
    '',
    `Family: Σ image sizes ${formatBytes(f.sumBytes)}; ` +
      `a node pulling every image stores ${formatBytes(f.uniqueBytes)} (${pct(f.ratio)}), ` +
      `${f.uniqueLayers} distinct layers of ${f.sumLayers}.`,
  );
  out.push(...refereesMarkdown(r));
  if (r.missing.length) out.push('', `Not built here: ${r.missing.join(', ')}.`);
  if (r.breaches.length) out.push('', '## Gate failures', '', ...r.breaches.map((b) => `- ${b.message}`));
  if (r.notes.length) out.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return out.join('\n') + '\n';
}
