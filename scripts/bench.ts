// npm run bench [-- options]: the measured figures beside the catalog's goals (images.yaml gates), with ratios,
// and a new notebook's first run (issue 21) in fresh containers for every image running the first-cell suite.
//
//   --root DIR          catalog to measure (default: this repository)
//   --images a,b,...    images (default: $KFC_BENCH_IMAGES, else every catalog image built here)
//   --tag T / --repo R  how they were built (default: kfc's, i.e. the git branch)
//   --cold              also time a cold build (kfc build --no-cache): slow, rewrites the images
//   --cold-seconds S    a cold-build time measured elsewhere (e.g. CI's first build), instead of --cold
//   --starts N          start-time samples per image (default 10; 0 skips)
//   --first-cell N      fresh containers for jupyterlab-cpu's first run (default 30; descendants a third; 0 skips)
//   --cold-node         also time each image to ready on fresh nodes (kfc node-pull --cold, as root), gzip then
//                       zstd layers: parent present and nothing present, against issue 26's goals
//   --strict            exit 1 when a goal is missed
//   --json              print the figures as JSON
//
// Without --cold the last cold-build time recorded in reports/bench.json for the same images is
// used (and said so). Results go to reports/bench.json and reports/bench.md.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { loadCatalog } from '../src/catalog/load.ts';
import { gitInfo } from '../src/engine/git.ts';
import { formatBytes } from '../src/metrics/gates.ts';
import type { ColdResult } from '../src/nodepull/cold-pull.ts';
import type { FamilyReport } from '../src/report/model.ts';
import { defaultTag, imageRef } from '../src/tags/tags.ts';
import { suiteFiles } from '../src/testing/suites.ts';

const repoRoot = new URL('..', import.meta.url).pathname;
const { values: opt } = parseArgs({
  options: {
    root: { type: 'string' },
    images: { type: 'string' },
    tag: { type: 'string' },
    repo: { type: 'string' },
    cold: { type: 'boolean', default: false },
    'cold-seconds': { type: 'string' },
    starts: { type: 'string', default: '10' },
    'first-cell': { type: 'string', default: '30' },
    'cold-node': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const root = resolve(opt.root ?? repoRoot);
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);
const common = [...(opt.tag ? ['--tag', opt.tag] : []), ...(opt.repo ? ['--repo', opt.repo] : [])];

function kfc(args: string[]) {
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', root, ...args], {
    reject: false,
    env: { DOCKER_BUILDKIT: '1' },
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Row {
  figure: string;
  goal: string;
  measured: string;
  ratio?: number;
  ok?: boolean;
  note?: string;
}

const rows: Row[] = [];
const figures: Record<string, unknown> = { root, at: new Date().toISOString() };

// 1. kfc generate --check: wall time of the whole CLI process, median of 5.
{
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [r, s] = await timed(() => kfc(['generate', '--check']));
    if (r.exitCode !== 0) log(`generate --check exited ${r.exitCode}: ${(r.stderr || r.stdout).split('\n')[0]}`);
    times.push(s);
  }
  const s = median(times);
  figures.generateCheckSeconds = times;
  rows.push({
    figure: 'kfc generate --check (median of 5)',
    goal: '≤ 1 s',
    measured: `${s.toFixed(2)} s`,
    ratio: s / 1,
    ok: s <= 1,
  });
}

// Which images: the named ones, else those built here (kfc report finds them).
let images = (opt.images ?? process.env.KFC_BENCH_IMAGES ?? '').split(/[\s,]+/).filter(Boolean);

// 2. Cold build (optional) and no-change rebuild.
const benchFile = join(root, 'reports', 'bench.json');
const previous = existsSync(benchFile)
  ? (JSON.parse(readFileSync(benchFile, 'utf8')) as { coldBuild?: { images: string[]; seconds: number; at: string } })
  : {};
let cold: { images: string[]; seconds: number; at: string } | undefined;
if (images.length) {
  if (opt.cold) {
    log(`cold build (--no-cache) of ${images.join(', ')}: this takes a while`);
    const [r, s] = await timed(() => kfc(['build', ...images, ...common, '--no-cache', '--progress', 'quiet']));
    if (r.exitCode !== 0) throw new Error(`cold build failed: ${r.stderr.split('\n').slice(-3).join(' | ')}`);
    cold = { images, seconds: s, at: new Date().toISOString() };
  } else if (opt['cold-seconds']) {
    cold = { images, seconds: Number(opt['cold-seconds']), at: 'given with --cold-seconds' };
  } else if (previous.coldBuild && previous.coldBuild.images.join(',') === images.join(',')) {
    cold = previous.coldBuild;
    log(`cold build: using the time recorded at ${cold.at} (run with --cold to measure again)`);
  }
  log(`no-change rebuild of ${images.join(', ')}`);
  const [r, s] = await timed(() => kfc(['build', ...images, ...common, '--progress', 'quiet', '--json']));
  if (r.exitCode !== 0) throw new Error(`rebuild failed: ${r.stderr.split('\n').slice(-3).join(' | ')}`);
  let cached = '';
  try {
    const res = JSON.parse(r.stdout) as { image: string; cachedSteps: number; steps: number }[];
    cached = `, ${res.reduce((a, b) => a + b.cachedSteps, 0)}/${res.reduce((a, b) => a + b.steps, 0)} steps cached`;
  } catch {
    /* older build output */
  }
  figures.noChangeRebuildSeconds = s;
  figures.coldBuild = cold;
  if (cold)
    rows.push({
      figure: 'cold build (no cache)',
      goal: '—',
      measured: `${cold.seconds.toFixed(1)} s`,
      note: opt.cold ? undefined : `from ${cold.at}`,
    });
  else rows.push({ figure: 'cold build (no cache)', goal: '—', measured: 'not measured', note: 'run with --cold' });
  rows.push({
    figure: 'no-change rebuild',
    goal: '≤ 2% of cold',
    measured: `${s.toFixed(1)} s${cached}`,
    ...(cold ? { ratio: s / cold.seconds, ok: s / cold.seconds <= 0.02 } : {}),
  });
}

// 3. The report: sizes, efficiency, sharing, start medians.
{
  const starts = String(Number(opt.starts) || 0);
  log(`kfc report ${images.join(' ') || '(every image built here)'} --starts ${starts}`);
  const r = await kfc(['report', ...images, ...common, '--starts', starts, '--no-manifests', '--json']);
  if (r.exitCode !== 0 && !r.stdout.trim().startsWith('{'))
    throw new Error(`kfc report failed: ${r.stderr.split('\n').filter(Boolean).slice(-2).join(' | ')}`);
  const report = JSON.parse(r.stdout) as FamilyReport;
  if (!images.length) images = report.images.map((i) => i.name);
  figures.report = {
    family: report.family,
    images: report.images.map((i) => ({
      name: i.name,
      size: i.size,
      efficiency: i.metrics.efficiency,
      wastedBytes: i.metrics.wastedBytes,
      parent: i.sharing.parent,
      start: i.start && { medianMs: i.start.medianMs, iqrMs: i.start.iqrMs, n: i.start.starts },
    })),
  };
  for (const i of report.images) {
    const budget = i.gates.maxSize;
    if (budget)
      rows.push({
        figure: `size ${i.name}`,
        goal: `≤ ${formatBytes(budget)}`,
        measured: formatBytes(i.size),
        ratio: i.size / budget,
        ok: i.size <= budget,
      });
    else rows.push({ figure: `size ${i.name}`, goal: '—', measured: formatBytes(i.size) });
  }
  for (const i of report.images) {
    rows.push({
      figure: `efficiency ${i.name}`,
      goal: `≥ ${i.gates.minEfficiency}`,
      measured: `${i.metrics.efficiency.toFixed(4)} (wasted ${formatBytes(i.metrics.wastedBytes)})`,
      ratio: i.metrics.efficiency / (i.gates.minEfficiency ?? 1),
      ok: i.metrics.efficiency >= (i.gates.minEfficiency ?? 0),
    });
  }
  for (const i of report.images) {
    const p = i.sharing.parent;
    if (p)
      rows.push({
        figure: `shared bytes ${i.name} / ${p.with}`,
        goal: `${(i.gates.minParentShare ?? 1) * 100}%`,
        measured: `${formatBytes(p.bytes)} / ${formatBytes(p.ofBytes)}`,
        ratio: p.ratio,
        ok: p.ratio >= (i.gates.minParentShare ?? 1),
      });
  }
  for (const i of report.images) {
    if (!i.start) continue;
    const goal = i.gates.maxStartMedianMs ?? Infinity;
    if (i.start.starts)
      rows.push({
        figure: `start median ${i.name}`,
        goal: `≤ ${goal} ms`,
        measured: `${Math.round(i.start.medianMs)} ms (IQR ${Math.round(i.start.iqrMs)}, n=${i.start.starts})`,
        ratio: i.start.medianMs / goal,
        ok: i.start.medianMs <= goal,
      });
    else
      rows.push({
        figure: `start median ${i.name}`,
        goal: `≤ ${goal} ms`,
        measured: 'never ready',
        ok: false,
        note: i.start.failures[0],
      });
  }
  const f = report.family;
  rows.push({
    figure: 'family unique bytes / Σ image sizes',
    goal: '—',
    measured: `${formatBytes(f.uniqueBytes)} / ${formatBytes(f.sumBytes)}`,
    ratio: f.ratio,
  });
}

// 4. A new notebook's first run (issue 21): the first-cell suite in its benchmark mode (KFC_FIRST_CELL_RUNS
// fresh containers over the three timings), for each image that runs it; the suite writes its figures.
const FIRST_CELL = 'tests/images/jupyterlab-cpu/first-cell.test.ts';
if (Number(opt['first-cell']) > 0) {
  const catalog = loadCatalog(root, { readFiles: false });
  const tag = defaultTag((await gitInfo(root)).branch, opt.tag);
  const firstCell: Record<string, unknown> = {};
  for (const name of images) {
    const node = catalog.nodes.get(name);
    if (!node || !suiteFiles(root, node).includes(FIRST_CELL)) continue;
    const runs = name === 'jupyterlab-cpu' ? Number(opt['first-cell']) : Math.ceil(Number(opt['first-cell']) / 3);
    log(`first cell: ${runs} fresh containers of ${name}`);
    const env = { KFC_TEST_IMAGE: imageRef(opt.repo, name, tag), KFC_TEST_NAME: name, KFC_FIRST_CELL_RUNS: `${runs}` };
    const r = await execa(process.execPath, ['--import', 'tsx', '--test', join(root, FIRST_CELL)], {
      cwd: root,
      reject: false,
      env,
    });
    const file = join(root, 'reports', `first-cell-${name}.json`);
    if (!existsSync(file)) {
      rows.push({
        figure: `first run lost ${name}`,
        goal: '0',
        measured: 'not measured',
        ok: false,
        note: r.stdout.slice(-300),
      });
      continue;
    }
    const f = JSON.parse(readFileSync(file, 'utf8')) as {
      all: { runs: number; lost: number; launcherMs?: number; statusIdleMs?: number; outputAfterIdleMs?: number };
      perTiming: { timing: string; runs: number; lost: number }[];
    };
    firstCell[name] = f;
    const timings = f.perTiming.map((t) => `${t.timing} ${t.lost}/${t.runs}`).join(', ');
    rows.push({
      figure: `first run lost ${name}`,
      goal: '0',
      measured: `${f.all.lost} of ${f.all.runs} (${timings})`,
      ok: f.all.lost === 0 && r.exitCode === 0,
      ...(r.exitCode !== 0 && f.all.lost === 0 ? { note: 'the suite failed otherwise: see its output' } : {}),
    });
    const ms = (v?: number) => (v === undefined ? 'n/a' : `${v} ms`);
    if (f.all.outputAfterIdleMs !== undefined)
      rows.push({
        figure: `first output after status Idle ${name} (median)`,
        goal: '≤ 2000 ms',
        measured: ms(f.all.outputAfterIdleMs),
        ratio: f.all.outputAfterIdleMs / 2000,
        ok: f.all.outputAfterIdleMs <= 2000,
      });
    if (f.all.launcherMs !== undefined)
      rows.push({
        figure: `launcher visible ${name} (median)`,
        goal: '≤ 3000 ms',
        measured: ms(f.all.launcherMs),
        ratio: f.all.launcherMs / 3000,
        ok: f.all.launcherMs <= 3000,
      });
    rows.push({ figure: `status bar Idle ${name} (median)`, goal: '—', measured: ms(f.all.statusIdleMs) });
  }
  figures.firstCell = firstCell;
}

// 5. Time to ready on a cold node (issue 26), one image at a time: each run holds one image's registry and node.
const COLD_GOALS: Record<string, { 'parent present': number; 'nothing present': number }> = {
  'jupyterlab-cpu': { 'parent present': 20, 'nothing present': 30 },
  'jupyterlab-pytorch': { 'parent present': 60, 'nothing present': 90 },
  'jupyterlab-tensorflow': { 'parent present': 60, 'nothing present': 90 },
};
if (opt['cold-node']) {
  // One run for every image, gzip then zstd (each compression its own scratch, one after the other): the
  // figures also go to reports/cold-node.json, which kfc report shows.
  log(`cold node: ${images.join(', ')} (kfc node-pull --cold --compression gzip,zstd)`);
  const r = await kfc(['node-pull', '--cold', ...images, ...common, '--compression', 'gzip,zstd', '--json']);
  const cold = r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as ColdResult) : undefined;
  if (!cold) rows.push({ figure: 'cold node', goal: '—', measured: 'not measured', ok: false, note: r.stderr.trim() });
  for (const row of cold?.rows ?? []) {
    const goal = COLD_GOALS[row.image]?.[row.case];
    const sec = row.totalMs / 1000;
    const s1 = (ms: number) => (ms / 1000).toFixed(1);
    rows.push({
      figure: `cold node ${row.image}, ${row.case}, ${row.compression}: to ready`,
      goal: goal ? `≤ ${goal} s` : '—',
      measured:
        `${sec.toFixed(1)} s (transfer ${s1(row.transferMs)}, unpack ${s1(row.unpackMs)},` +
        ` start ${s1(row.startMs)}, ready ${s1(row.readyMs)}; ` +
        `${formatBytes(row.pulledBytes)}, ${row.pulledLayers}/${row.layers} layers)`,
      ...(goal ? { ratio: sec / goal, ok: sec <= goal && !row.problems.length } : {}),
      ...(row.problems.length ? { ok: false, note: row.problems.join('; ') } : {}),
    });
  }
  figures.coldNode = cold;
}

// Output.
const table = [['figure', 'goal', 'measured', 'ratio', 'verdict']].concat(
  rows.map((r) => [
    r.figure,
    r.goal,
    r.measured,
    r.ratio === undefined ? '' : r.ratio.toFixed(r.ratio < 0.1 ? 4 : 3),
    r.ok === undefined ? '' : r.ok ? 'ok' : 'MISSED',
  ]),
);
const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
const text = table
  .map(
    (r, i) =>
      r
        .map((c, j) => c.padEnd(widths[j]!))
        .join('  ')
        .trimEnd() + (i === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : ''),
  )
  .join('\n');
const notes = rows.filter((r) => r.note).map((r) => `- ${r.figure}: ${r.note}`);
mkdirSync(join(root, 'reports'), { recursive: true });
writeFileSync(
  benchFile,
  JSON.stringify({ ...figures, images, rows, coldBuild: cold ?? previous.coldBuild }, null, 2) + '\n',
);
writeFileSync(
  join(root, 'reports', 'bench.md'),
  `# Bench (${figures.at})\n\n\`\`\`\n${text}\n\`\`\`\n${notes.length ? `\n${notes.join('\n')}\n` : ''}`,
);
if (opt.json) process.stdout.write(JSON.stringify({ ...figures, images, rows }, null, 2) + '\n');
else process.stdout.write(`${text}\n${notes.length ? `\n${notes.join('\n')}\n` : ''}`);
const missed = rows.filter((r) => r.ok === false);
if (opt.strict && missed.length) process.exit(1);
