/** The static HTML catalog page of the report: summary, layer charts, package search (pure). */
import { formatBytes } from '../metrics/gates.ts';
import { versionPair } from '../referees/upgradable.ts';
import type { ColdFigures } from './cold-figures.ts';
import type { FamilyReport, ImageReport, TestResults } from './model.ts';
import { vulnLine } from './referees.ts';
import { eff, ms, pct, shareLine, wastedLayers } from './render-format.ts';

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** Inline SVG: one bar per image, a segment per layer sized by bytes, coloured by owner. */
function layerChart(i: ImageReport, ownerColor: (owner: string) => string): string {
  const total = Math.max(
    1,
    i.layers.reduce((a, l) => a + l.size, 0),
  );
  const W = 1000;
  let x = 0;
  const rects: string[] = [];
  for (const l of i.layers) {
    const w = (l.size / total) * W;
    const owner = l.base ? 'base image' : (l.owner ?? '?');
    const what = l.base ? 'base image' : `${l.bit ?? '?'} (${owner})`;
    const shared = l.inParent ? ' [shared with parent]' : '';
    const title = `#${l.index} ${formatBytes(l.size)} — ${what}: ${l.instruction}${shared}`;
    if (w > 0)
      rects.push(
        `<rect x="${x.toFixed(2)}" y="0" width="${Math.max(w, 0.5).toFixed(2)}" height="24" ` +
          `fill="${ownerColor(owner)}" stroke="#fff" stroke-width="0.5"${l.inParent ? '' : ' class="own"'}>` +
          `<title>${esc(title)}</title></rect>`,
      );
    x += w;
  }
  return (
    `<svg class="layers" viewBox="0 0 ${W} 24" preserveAspectRatio="none" role="img" ` +
    `aria-label="layers of ${esc(i.name)}">${rects.join('')}</svg>`
  );
}

const CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2b45;color:#fff;padding:16px 24px}
header h1{margin:0 0 4px;font-size:20px}header p{margin:2px 0;opacity:.85}
main{padding:16px 24px;max-width:1200px;margin:auto}
.search{position:sticky;top:0;background:#f5f6f8;padding:10px 0;z-index:2}
.search input{width:100%;padding:8px 10px;font-size:15px;border:1px solid #99a;border-radius:6px}
table{border-collapse:collapse}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #e3e5ea;vertical-align:top}
th{background:#eef0f4}
.summary{width:100%;background:#fff;margin-bottom:16px}.num{text-align:right;font-variant-numeric:tabular-nums}
section.image{background:#fff;border:1px solid #d9dce3;border-radius:8px;padding:12px 16px;margin:14px 0}
section.image h2{margin:0 0 6px;font-size:18px}.meta td:first-child{color:#556;width:190px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.pass{background:#d8f0dc;color:#1b5e20}.fail{background:#fbdada;color:#8e1b1b}.none{background:#e8e8ec;color:#555}
svg.layers{width:100%;height:26px;display:block;margin:6px 0;border:1px solid #ccd;border-radius:3px;
  background:#fafafa}
svg.layers rect.own{opacity:.95}
.legend span{display:inline-block;margin-right:12px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}
.pk td{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}.pk{max-height:none}
.hidden{display:none}.hits{color:#556;font-size:12px;margin-left:6px}.missing{color:#777}
code{font-size:12.5px}
`;

const JS = `
(function(){
  var q=document.getElementById('q');
  function run(){
    var s=q.value.trim().toLowerCase();
    document.querySelectorAll('section.image').forEach(function(sec){
      var rows=sec.querySelectorAll('tr.pkg'),n=0;
      rows.forEach(function(r){
        var hit=!s||r.getAttribute('data-k').indexOf(s)>=0;r.classList.toggle('hidden',!hit);if(hit)n++;
      });
      var d=sec.querySelector('details.packages');var h=sec.querySelector('.hits');
      if(h)h.textContent=s?(n+' match'+(n===1?'':'es')):'';
      if(d&&s)d.open=n>0;
      var nameHit=!s||sec.getAttribute('data-name').indexOf(s)>=0;
      sec.classList.toggle('hidden',!!s&&n===0&&!nameHit);
    });
  }
  q.addEventListener('input',run);
  if(location.hash&&location.hash.indexOf('#q=')===0){
    q.value=decodeURIComponent(location.hash.slice(3));run();
  }
})();
`;

export interface HtmlInput {
  report: FamilyReport;
  /** Every catalog image, parents first (those without measurements are listed as not built). */
  catalog: { name: string; parent?: string; description: string; publish: boolean }[];
  tests?: TestResults;
  /** The last cold-node run's figures (kfc node-pull --cold). */
  cold?: ColdFigures;
}

/** The cold-node figures: what a user waits for on a node that lacks the image. */
function coldSection(f: ColdFigures): string {
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const num = (v: string) => `<td class="num">${v}</td>`;
  const rows = f.rows.map(
    (r) =>
      `<tr><td>${esc(r.image)}</td><td>${esc(r.case)}${r.onNode.length ? ` (${esc(r.onNode.join(', '))})` : ''}` +
      `</td><td>${esc(r.compression)}</td>${num(`${r.pulledLayers} / ${r.layers}`)}${num(formatBytes(r.pulledBytes))}` +
      `${num(sec(r.transferMs))}${num(sec(r.unpackMs))}${num(sec(r.startMs))}${num(sec(r.readyMs))}` +
      `${num(r.problems.length ? 'FAILED' : `<b>${sec(r.totalMs)}</b>`)}</tr>`,
  );
  const head = ['image', 'case', 'compression', '#layers pulled', '#pulled', '#transfer', '#unpack', '#start', '#ready']
    .concat('#total to ready')
    .map((c) => (c.startsWith('#') ? `<th class="num">${esc(c.slice(1))}</th>` : `<th>${esc(c)}</th>`))
    .join('');
  return (
    `<section class="cold" id="cold-node"><h2>Cold node: time to a ready notebook</h2>` +
    `<p><code>kfc node-pull --cold</code> at ${esc(f.at)} (tag ${esc(f.tag)}): nodes ${esc(f.node.dockerd)} ` +
    `(Docker ${esc(f.node.version)}); load ${esc(f.load.start)} … ${esc(f.load.end)}.</p>` +
    `<table class="summary"><tr>${head}</tr>\n${rows.join('\n')}</table></section>`
  );
}

export function renderHtml({ report, catalog, tests, cold }: HtmlInput): string {
  const owners = [
    ...new Set(report.images.flatMap((i) => i.layers.map((l) => (l.base ? 'base image' : (l.owner ?? '?'))))),
  ];
  const colorOf = (owner: string) =>
    owner === 'base image'
      ? '#9aa3b5'
      : PALETTE[owners.filter((o) => o !== 'base image').indexOf(owner) % PALETTE.length]!;
  const swatches = owners.map((o) => `<span><i style="background:${colorOf(o)}"></i>${esc(o)}</span>`);
  const legend = `<div class="legend">${swatches.join('')}</div>`;
  const f = report.family;
  const testBadge = (name: string) => {
    const t = tests?.[name];
    if (!t) return '<span class="badge none">no test result</span>';
    const badge = `<span class="badge ${t.ok ? 'pass' : 'fail'}">tests ${t.ok ? 'passed' : 'failed'}</span>`;
    return `${badge}${t.at ? ` <small>${esc(t.at)}</small>` : ''}`;
  };
  const rows = catalog.map((c) =>
    summaryRow(
      c,
      report.images.find((x) => x.name === c.name),
      testBadge,
    ),
  );
  const sections = catalog.map((c) => {
    const i = report.images.find((x) => x.name === c.name);
    const head = `<h2>${esc(c.name)} ${c.publish ? '' : '<small>(internal)</small>'}</h2><p>${esc(c.description)}</p>`;
    if (!i)
      return (
        `<section class="image" id="img-${esc(c.name)}" data-name="${esc(c.name)}">${head}` +
        `<p class="missing">Not built here: no measurements. Parent: ${esc(c.parent ?? '—')}.</p>` +
        `${testBadge(c.name)}</section>`
      );
    return imageSection(i, head, testBadge(i.name), colorOf);
  });
  const measured =
    `${report.images.length} of ${catalog.length} image(s) measured · Σ sizes ${formatBytes(f.sumBytes)} · ` +
    `unique layer bytes ${formatBytes(f.uniqueBytes)} (${pct(f.ratio)}) · generated ${esc(report.generatedAt)}`;
  const gateBadge = report.breaches.length
    ? `<span class="badge fail">${report.breaches.length} gate failure(s)</span>`
    : '<span class="badge pass">all gates pass</span>';
  const th = (cells: string[]) =>
    cells.map((c) => (c.startsWith('#') ? `<th class="num">${c.slice(1)}</th>` : `<th>${c}</th>`)).join('');
  const summaryHead = th([
    'image',
    'parent',
    '#size',
    '#efficiency',
    '#shared w/ parent',
    '#start median',
    'gates',
    'tests',
  ]);
  const placeholder = 'Search packages in every image (e.g. numpy, jupyterlab, r-base)…';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>kubeflow-containers — image catalog</title><style>${CSS}</style></head>
<body><header><h1>kubeflow-containers — image catalog</h1>
<p>${measured}</p>
<p>${gateBadge}</p></header>
<main>
<table class="summary"><tr>${summaryHead}</tr>
${rows.join('\n')}</table>
${legend}
<div class="search"><input id="q" type="search" placeholder="${placeholder}" aria-label="search packages"></div>
${sections.join('\n')}
${cold ? coldSection(cold) : ''}
</main><script>${JS}</script></body></html>
`;
}

type Catalogued = HtmlInput['catalog'][number];

/** A row of the summary table: the image's figures, or `not built here`. */
function summaryRow(c: Catalogued, i: ImageReport | undefined, testBadge: (name: string) => string): string {
  const link = (name: string) => `<td><a href="#img-${esc(name)}">${esc(name)}</a></td>`;
  if (!i)
    return (
      `<tr class="missing">${link(c.name)}<td>${esc(c.parent ?? '—')}</td>` +
      `<td colspan="5">not built here</td><td>${testBadge(c.name)}</td></tr>`
    );
  const num = (v: string) => `<td class="num">${v}</td>`;
  const gates = i.breaches.length
    ? `<span class="badge fail">${i.breaches.length} gate(s) fail</span>`
    : '<span class="badge pass">gates pass</span>';
  return (
    `<tr>${link(i.name)}<td>${esc(i.parent ?? '—')}</td>` +
    num(formatBytes(i.size)) +
    num(eff(i.metrics.efficiency)) +
    num(i.sharing.parent ? pct(i.sharing.parent.ratio) : '—') +
    num(i.start?.starts ? ms(i.start.medianMs) : '—') +
    `<td>${gates}</td><td>${testBadge(i.name)}</td></tr>`
  );
}

/** An HTML table: a header row, then one row per item (cells already escaped HTML). */
function htmlTable(head: string, rows: string[], cls?: string): string {
  return `<table${cls ? ` class="${cls}"` : ''}><tr>${head}</tr>${rows.join('')}</table>`;
}

/** The package rows of an image, each with the search key the page's script matches. */
function packageRows(i: ImageReport): string[] {
  const pkgs: string[] = [];
  const addRows = (eco: string, list: { name: string; version: string; where?: string }[]) => {
    for (const p of list) {
      const key = esc(`${eco} ${p.name} ${p.version} ${p.where ?? ''}`.toLowerCase());
      const cells = [eco, p.name, p.version, p.where ?? ''].map((v) => `<td>${esc(v)}</td>`).join('');
      pkgs.push(`<tr class="pkg" data-k="${key}">${cells}</tr>`);
    }
  };
  if (i.manifests) {
    addRows('debian', i.manifests.debian);
    addRows('python', i.manifests.python);
    addRows('r', i.manifests.r);
    addRows('npm', i.manifests.npm);
    addRows(
      'labextension',
      i.manifests.labextensions.map((e) => ({ ...e, where: e.enabled ? 'enabled' : 'disabled' })),
    );
    addRows(
      'kernel',
      i.manifests.kernels.map((k) => ({ name: k.name, version: k.language, where: k.displayName })),
    );
  }
  return pkgs;
}

/** The section of one measured image: facts, layer chart, layers, wasted paths, packages. */
function imageSection(i: ImageReport, head: string, testBadge: string, colorOf: (owner: string) => string): string {
  const m = i.metrics;
  const pkgs = packageRows(i);
  const wastedRows = m.topWasted.map(
    (w) =>
      `<tr><td><code>${esc(w.path)}</code></td><td class="num">${formatBytes(w.cumulativeBytes)}</td>` +
      `<td>${esc(wastedLayers(w))}${w.removed ? ' — removed later' : ''}</td></tr>`,
  );
  const wasted = m.topWasted.length
    ? `<details><summary>Largest wasted paths (${m.wastedPaths})</summary>` +
      htmlTable('<th>path</th><th class="num">cumulative</th><th>layers (bit)</th>', wastedRows) +
      '</details>'
    : '';
  const layerRows = i.layers.map(
    (l) =>
      `<tr><td>${l.index}</td><td class="num">${formatBytes(l.size)}</td><td class="num">${l.files}</td>` +
      `<td>${esc(l.base ? 'base image' : (l.bit ?? ''))}</td><td><code>${esc(l.instruction)}</code></td>` +
      `<td>${l.inParent ? 'yes' : ''}</td></tr>`,
  );
  const layersHead =
    '<th>#</th><th class="num">size</th><th class="num">files</th><th>bit</th><th>instruction</th><th>in parent</th>';
  const layers =
    `<details><summary>Layers (${i.layers.length})</summary>` + htmlTable(layersHead, layerRows) + '</details>';
  const gates = i.breaches.length
    ? `<ul>${i.breaches.map((b) => `<li class="fail">${esc(b.message)}</li>`).join('')}</ul>`
    : '<span class="badge pass">all gates pass</span>';
  const start = i.start
    ? i.start.starts
      ? `median ${ms(i.start.medianMs)} (IQR ${ms(i.start.iqrMs)}, n=${i.start.starts})`
      : `never answered (${esc(i.start.failures[0] ?? '')})`
    : 'not measured';
  const efficiency =
    `${eff(m.efficiency)} <small>wasted ${formatBytes(m.wastedBytes)}, ` +
    `user wasted ${pct(m.userWastedRatio, 2)}</small>`;
  const packages = pkgs.length
    ? htmlTable('<th>kind</th><th>name</th><th>version</th><th>where</th>', pkgs, 'pk')
    : '<p>No manifest collected.</p>';
  return `<section class="image" id="img-${esc(i.name)}" data-name="${esc(i.name)}">${head}
<table class="meta">
<tr><td>parent</td><td>${i.parent ? `<a href="#img-${esc(i.parent)}">${esc(i.parent)}</a>` : '— (root)'}</td></tr>
<tr><td>size</td><td>${formatBytes(i.size)} <small>(${i.size} B, ${i.layers.length} layers)</small></td></tr>
<tr><td>efficiency</td><td>${efficiency}</td></tr>
<tr><td>shared bytes</td><td>${esc(shareLine(i))}</td></tr>
<tr><td>start</td><td>${start}</td></tr>
<tr><td>tags</td><td>${i.tags.map((t) => `<code>${esc(t)}</code>`).join(' ') || '—'}</td></tr>
<tr><td>last test</td><td>${testBadge}</td></tr>
<tr><td>gates</td><td>${gates}</td></tr>
${vulnRow(i)}
${securityRow(i)}
</table>
${layerChart(i, colorOf)}
${layers}
${wasted}
<details class="packages"><summary>Packages (${pkgs.length})</summary><span class="hits"></span>${packages}</details>
</section>`;
}

/** The HTML row of pending Debian security updates, each with its version pair; nothing when not checked. */
function securityRow(i: ImageReport): string {
  const u = i.securityUpdates;
  if (!u) return '';
  const verdict = u.notRun
    ? `not run: ${esc(u.notRun)}`
    : `${u.count} pending (max ${u.max}) ` +
      `<span class="badge ${u.pass ? 'pass' : 'fail'}">${u.pass ? 'pass' : 'FAIL'}</span>`;
  const list = u.pending.length
    ? `<ul>${u.pending.map((p) => `<li><code>${esc(versionPair(p))}</code></li>`).join('')}</ul>`
    : '';
  return `<tr><td>Debian security updates</td><td>${verdict}${list}</td></tr>`;
}

/** The HTML table row of an image's vulnerability counts, or nothing when it was not scanned. */
function vulnRow(i: ImageReport): string {
  const line = vulnLine(i);
  return line ? `<tr><td>vulnerabilities</td><td>${esc(line)} <small>(Trivy, kfc referee)</small></td></tr>` : '';
}
