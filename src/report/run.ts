/**
 * kfc report's and kfc referee's measuring, one image at a time, parents first: each image is saved
 * once (src/report/save.ts) and that archive is read by every reader: kfc's layer figures
 * (measure.ts), then dive and Trivy when the image is refereed, then deleted. Only the small
 * per-layer summaries of the images read stay in memory, for their children's sharing figures.
 * Passing results are kept in the result cache (src/cache/store.ts) by what they were measured from
 * (cache-keys.ts); an image whose results are all cached is not saved at all. A referee run keeps each
 * image's CycloneDX SBOM by image ID (src/referees/sbom-store.ts) for kfc push --sign and kfc node-pull;
 * an image the referees leave out (the GPU images) gets its SBOM alone from the same one save, by one
 * Trivy pass, unless one is kept for its image ID already. With keepLayers (kfc report --keep-layers), the
 * same archive's layers go into the zstd layer store (src/blobs) kfc node-pull pushes from.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import writeFileAtomic from 'write-file-atomic';
import type { LayerBlobs } from '../blobs/layer-blobs.ts';
import type { ResultStore, StoredResult } from '../cache/store.ts';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import type { ArchiveImage } from '../metrics/archive/image-archive.ts';
import { type FamilyImage, familySharing } from '../metrics/family.ts';
import { type EffectiveGates, effectiveGates } from '../metrics/gates.ts';
import type { RefereeImage } from '../referees/model.ts';
import { refereeArchive, sbomText } from '../referees/run.ts';
import { keepSbom, keptSbom } from '../referees/sbom-store.ts';
import type { RefereeSetup } from '../referees/setup.ts';
import { trivySbom } from '../referees/trivy-sbom.ts';
import { keyOf, refereeKeyParts, reportKeyParts } from './cache-keys.ts';
import { dockerReportEngine } from './docker-engine.ts';
import type { InspectedImage, ReportEngine } from './engine.ts';
import { LayerBook, type LayerSummary } from './layer-book.ts';
import { type MeasureOptions, measureImage, measureStarts, type TimedStart, timesStarts } from './measure.ts';
import { familyReport } from './merge.ts';
import type { FamilyReport, ImageReport, ImageSeconds } from './model.ts';
import { type SavedImage, saveImage, secondsSince } from './save.ts';

/** The referee part: which images, with what tools, and where their SBOMs go. */
interface RefereeRun {
  setup: RefereeSetup;
  images: ReadonlySet<string>;
  sbomDir: string;
}

/** The result caches and what every key holds besides the image: the code's digest, the engine's version. */
export interface ResultCaches {
  report: ResultStore;
  referee: ResultStore;
  code: string;
  engine: string;
}

export interface CollectOptions extends Omit<MeasureOptions, 'engine'> {
  /** The engine read from (default: the local Docker engine). */
  engine?: ReportEngine;
  /** false: the referee part only (kfc referee). Default true. */
  report?: boolean;
  referees?: RefereeRun;
  cache?: ResultCaches;
  /** Where an archive dive and Trivy read is written (default: a temp dir, removed after). */
  workDir?: string;
  /** The log lines' prefix (default `kfc report`). */
  verb?: string;
  /** Where each saved image's layers are kept as zstd for kfc node-pull (an image saved anyway only). */
  keepLayers?: LayerBlobs;
  /**
   * Called once every start figure of this run is measured (they come first, one image after another, with
   * nothing else of the report running): nothing the report does after that is timed, so a caller may start
   * other work beside it then.
   */
  onStartsTimed?: () => void;
}

export interface Collected {
  report: FamilyReport;
  referees: RefereeImage[];
}

interface Found {
  node: ImageNode;
  ref: string;
  info: InspectedImage;
}

interface CachedReferee {
  result: RefereeImage;
  /** The SBOM's text: the file is written again on a hit. */
  sbom?: string;
}

interface Run {
  catalog: Catalog;
  opts: CollectOptions;
  engine: ReportEngine;
  verb: string;
  found: Map<string, Found>;
  book: LayerBook;
  notes: string[];
  bases: Map<string, Promise<InspectedImage | undefined>>;
  /** Start figures measured before the saves, by image name. */
  timed: Map<string, TimedStart>;
  scratch: () => string;
}

/** The images of `involved` present in the engine, and the wanted ones that are not. */
async function findImages(
  engine: ReportEngine,
  involved: ImageNode[],
  wanted: Set<string>,
  refOf: (node: ImageNode) => string,
): Promise<{ found: Map<string, Found>; missing: string[] }> {
  const found = new Map<string, Found>();
  const missing: string[] = [];
  for (const node of involved) {
    const ref = refOf(node);
    const info = await engine.inspect(ref);
    if (info) found.set(node.name, { node, ref, info });
    else if (wanted.has(node.name)) missing.push(node.name);
  }
  return { found, missing };
}

const short = (key: string) => key.slice(0, 12);

/** An ancestor's layer summaries: read already, found in a descendant's archive, or (rarely) saved for them. */
async function ancestorLayers(run: Run, a: Found, forName: string): Promise<LayerSummary[] | undefined> {
  const known = run.book.get(a.info.id, a.info.diffIds);
  if (known) return known;
  const saved = await saveImage(run.engine, {
    name: a.node.name,
    ref: a.ref,
    id: a.info.id,
    verb: run.verb,
    why: `(its layers are not all in ${forName}'s archive: for ${forName}'s sharing figures)`,
    log: run.opts.log,
  });
  if (!saved.image) return undefined;
  run.book.add(a.info.id, saved.image.layers);
  return run.book.get(a.info.id, a.info.diffIds);
}

/** kfc's figures for one image from its archive: layers, waste, sharing with parent and root, manifests, starts. */
async function measure(run: Run, f: Found, image: ArchiveImage) {
  const { node } = f;
  const family: FamilyImage[] = [];
  const related = [node.chain[0]!, node.parent].filter((a): a is ImageNode => Boolean(a) && a !== node);
  for (const a of new Set(related)) {
    const af = run.found.get(a.name);
    const layers = af && (await ancestorLayers(run, af, node.name));
    if (layers) family.push({ name: a.name, parent: a.parent?.name, root: a.chain[0]!.name, layers });
  }
  family.push({ name: node.name, parent: node.parent?.name, root: node.chain[0]!.name, layers: image.layers });
  const sharing = familySharing(family).images.find((s) => s.name === node.name)!;
  const parent = node.parent && run.found.get(node.parent.name);
  const base = await baseOf(run, node.baseImage);
  const facts = {
    ...f,
    image,
    ...(parent ? { parentIds: parent.info.diffIds } : {}),
    baseIds: new Set(base?.diffIds ?? []),
    sharing,
  };
  return measureImage(run.catalog, facts, { ...run.opts, engine: run.engine }, run.timed.get(node.name));
}

function baseOf(run: Run, ref: string): Promise<InspectedImage | undefined> {
  const known = run.bases.get(ref);
  if (known) return known;
  const p = run.engine.inspect(ref);
  run.bases.set(ref, p);
  return p;
}

async function reportKey(run: Run, f: Found, gates: EffectiveGates) {
  const cache = run.opts.cache;
  if (!cache || run.opts.report === false || !cache.report.on) return undefined;
  const base = await baseOf(run, f.node.baseImage);
  const parts = reportKeyParts({
    imageId: f.info.id,
    ancestorIds: f.node.chain.slice(0, -1).map((a) => run.found.get(a.name)?.info.id ?? 'absent'),
    baseId: base?.id ?? 'absent',
    node: f.node.spec,
    gates,
    starts: run.opts.starts,
    startTimeoutMs: run.opts.startTimeoutMs ?? 0,
    manifests: run.opts.manifests,
    code: cache.code,
    engine: cache.engine,
  });
  return { key: keyOf(parts), parts };
}

function refereeKey(run: Run, f: Found, gates: EffectiveGates) {
  const cache = run.opts.cache;
  const r = run.opts.referees;
  if (!cache || !r?.images.has(f.node.name) || !cache.referee.on) return undefined;
  const { dive, trivy } = r.setup;
  const parts = refereeKeyParts({
    imageId: f.info.id,
    code: cache.code,
    ...(dive
      ? { dive: { version: dive.version, config: dive.configDigest, minEfficiency: gates.minEfficiency ?? 0 } }
      : {}),
    ...(trivy
      ? {
          trivy: {
            version: trivy.version,
            db: trivy.db,
            ...(trivy.javaDb ? { javaDb: trivy.javaDb } : {}),
            ...(trivy.vulns && gates.vulnerabilities ? { gate: gates.vulnerabilities } : {}),
            ignoreFile: trivy.ignoreDigest,
            ignored: trivy.ignored,
          },
        }
      : {}),
  });
  return { key: keyOf(parts), parts };
}

/** A cached image report, said to be one: the start figures in it were measured then, not now. */
function reportFromCache(run: Run, f: Found, hit: StoredResult<ImageReport>): ImageReport {
  const r = hit.value;
  const name = f.node.name;
  run.opts.log(`${run.verb}: ${name}: cached (key ${short(hit.key)}, stored ${hit.storedAt})`);
  const starts = r.start
    ? `start figures from the cache (median ${r.start.medianMs} ms over ${r.start.starts} start(s), ` +
      `measured ${r.measuredAt}), not measured now`
    : undefined;
  if (starts) run.opts.log(`${run.verb}: ${name}: ${starts}`);
  return {
    ...r,
    ref: f.ref,
    tags: f.info.tags,
    notes: [
      ...r.notes,
      `from the result cache (key ${short(hit.key)}, measured ${r.measuredAt})`,
      ...(starts ? [starts] : []),
    ],
    cached: { key: hit.key, storedAt: hit.storedAt },
  };
}

/** A cached verdict, its SBOM file written again; a miss when the SBOM's text is not kept. */
function refereeFromCache(run: Run, f: Found, hit: StoredResult<CachedReferee>): RefereeImage | undefined {
  const r = hit.value.result;
  const sbomDir = run.opts.referees!.sbomDir;
  if (r.sbom) {
    if (hit.value.sbom === undefined) return undefined;
    mkdirSync(sbomDir, { recursive: true });
    const file = join(sbomDir, `${f.node.name}.cdx.json`);
    writeFileAtomic.sync(file, hit.value.sbom);
    r.sbom = { ...r.sbom, file };
    if (!keptSbom(f.info.id, run.opts.log)) keepSbom(f.info.id, hit.value.sbom, REFEREE_SBOM, run.opts.log);
  }
  const what = run.opts.report === false ? '' : 'referees ';
  run.opts.log(`${run.verb}: ${f.node.name}: ${what}cached (key ${short(hit.key)}, stored ${hit.storedAt})`);
  return { ...r, ref: f.ref, seconds: { save: 0, kfc: 0 }, cached: { key: hit.key, storedAt: hit.storedAt } };
}

const REFEREE_SBOM = 'kfc referee (Trivy, from its one saved archive)';

/**
 * An image the referees leave out, in a referee run with Trivy: its SBOM comes from this image's one save
 * too, unless one is kept for its image ID (then nothing is saved for it).
 */
function wantsSbomAlone(run: Run, f: Found, refereed: boolean): boolean {
  return !refereed && Boolean(run.opts.referees?.setup.trivy) && !keptSbom(f.info.id, run.opts.log);
}

/** One Trivy pass over the saved archive for the SBOM alone; kept by image ID and in sbom/<image>.cdx.json. */
async function sbomAlone(run: Run, f: Found, archive: string): Promise<number> {
  const t0 = performance.now();
  const r = run.opts.referees!;
  const scratch = join(run.scratch(), `${f.node.name}.cdx.json`);
  try {
    await trivySbom(archive, scratch, f.ref, r.setup.trivy!);
    const text = readFileSync(scratch, 'utf8');
    mkdirSync(r.sbomDir, { recursive: true });
    const file = join(r.sbomDir, `${f.node.name}.cdx.json`);
    writeFileAtomic.sync(file, text);
    keepSbom(f.info.id, text, `${run.verb} (Trivy, SBOM alone, from its one saved archive)`, run.opts.log);
    const seconds = secondsSince(t0);
    run.opts.log(
      `${run.verb}: ${f.node.name}: SBOM alone (referees off) by one Trivy pass over the same save in ${seconds} s:` +
        ` ${file}, kept by image ID`,
    );
    return seconds;
  } finally {
    rmSync(scratch, { force: true });
  }
}

interface Judged {
  report?: ImageReport;
  /** dive and Trivy over the image's archive, which they delete after: they may still run when this returns. */
  referee: Promise<RefereeImage | undefined>;
}

/**
 * One image: what the cache holds, then one save read by kfc, dive and Trivy for the rest. The save may run
 * while the previous image's dive and Trivy do (`previous`); kfc's figures wait for them to end, so no more
 * than two archives are on disk at once (its starts were timed before any save: timeStartsFirst). dive and
 * Trivy are left running when this returns: the next image's save goes beside them.
 */
async function judgeImage(run: Run, f: Found, previous: Promise<unknown>): Promise<Judged> {
  const t0 = performance.now();
  const { node } = f;
  const { opts } = run;
  const gates = effectiveGates(node.name, run.catalog.spec.gates, node.spec.gates);
  const wantReport = opts.report !== false;
  const wantReferee = opts.referees?.images.has(node.name) ?? false;
  const rKey = await reportKey(run, f, gates);
  const fKey = refereeKey(run, f, gates);
  const rHit = rKey && opts.cache!.report.get<ImageReport>(rKey.key);
  const fHit = fKey && opts.cache!.referee.get<CachedReferee>(fKey.key);
  const seconds: ImageSeconds = { save: 0, kfc: 0, total: 0 };
  const cached: string[] = [];
  let report: ImageReport | undefined;
  let refereeHit: RefereeImage | undefined;
  if (rHit) {
    report = reportFromCache(run, f, rHit);
    run.book.add(f.info.id, report.layers);
    cached.push('report');
  }
  if (fHit) {
    refereeHit = refereeFromCache(run, f, fHit);
    if (refereeHit) cached.push('referees');
  }
  const needReport = wantReport && !report;
  const needReferee = wantReferee && !refereeHit;
  const needSbom = wantsSbomAlone(run, f, wantReferee);
  const done = (referee: RefereeImage | undefined) => {
    if (referee?.seconds.dive !== undefined) seconds.dive = referee.seconds.dive;
    if (referee?.seconds.trivy !== undefined) seconds.trivy = referee.seconds.trivy;
    // Its starts were timed before this (timeStartsFirst): they count in its total.
    seconds.total = Math.round((secondsSince(t0) + (run.timed.get(node.name)?.seconds ?? 0)) * 10) / 10;
    if (cached.length) seconds.cached = cached;
    if (report) report.seconds = seconds;
    return referee;
  };
  if (!needReport && !needReferee && !needSbom) {
    done(refereeHit);
    return { report, referee: Promise.resolve(refereeHit) };
  }
  // Its layers are kept for node-pull when it is saved anyway and the store lacks some.
  const keep = opts.keepLayers?.on && opts.keepLayers.missing(f.info.id, f.info.diffIds).length > 0;
  const file = needReferee || needSbom || keep ? join(run.scratch(), `${node.name}.tar`) : undefined;
  const drop = () => file && rmSync(file, { force: true });
  let saved: SavedImage;
  try {
    saved = await saveImage(run.engine, {
      name: node.name,
      ref: f.ref,
      id: f.info.id,
      file,
      verb: run.verb,
      log: opts.log,
    });
    await previous;
    Object.assign(seconds, saved.seconds);
    run.notes.push(...saved.notes);
    if (!saved.image) {
      run.notes.push(`${node.name}: ${f.ref} (${f.info.id}) not found in the saved archive`);
      drop();
      return { referee: Promise.resolve(undefined) };
    }
    run.book.add(f.info.id, saved.image.layers);
    run.book.pool(saved.layers.values());
    if (needReport) {
      const m = await measure(run, f, saved.image);
      report = m.report;
      seconds.kfc = Math.round((seconds.kfc + m.seconds.kfc) * 10) / 10;
      if (m.seconds.manifests !== undefined) seconds.manifests = m.seconds.manifests;
      if (m.seconds.starts !== undefined) seconds.starts = m.seconds.starts;
      if (rKey && !m.report.breaches.length) opts.cache!.report.put(rKey.key, rKey.parts, m.report);
    }
  } catch (e) {
    drop();
    throw e;
  }
  const keeping = keep ? keepLayers(run, f, file!) : Promise.resolve();
  const readers = (async () => {
    try {
      const judged = needReferee ? await referee(run, f, saved, gates, fKey) : refereeHit;
      if (needSbom) seconds.trivy = await sbomAlone(run, f, file!);
      return done(judged);
    } finally {
      await keeping;
      drop();
    }
  })();
  return { report, referee: readers };
}

/** The archive's layers into the layer store, beside dive and Trivy; a failure is a warning (node-pull saves). */
async function keepLayers(run: Run, f: Found, archive: string): Promise<void> {
  try {
    const kept = await run.opts.keepLayers!.keepFromArchive(archive);
    const gb = (n: number) => (n / 1e9).toFixed(2);
    const sum = (k: 'bytesIn' | 'bytesOut') => kept.added.reduce((a, x) => a + x[k], 0);
    run.opts.log(
      `${run.verb}: ${f.node.name}: ${kept.added.length} layers kept as zstd for kfc node-pull` +
        ` (${gb(sum('bytesIn'))} GB to ${gb(sum('bytesOut'))} GB) in ${kept.seconds} s, from the same save`,
    );
  } catch (e) {
    run.opts.log(`${run.verb}: ${f.node.name}: warning: layers not kept for kfc node-pull: ${(e as Error).message}`);
  }
}

async function referee(
  run: Run,
  f: Found,
  saved: SavedImage,
  gates: EffectiveGates,
  key: { key: string; parts: Record<string, string> } | undefined,
): Promise<RefereeImage> {
  const r = run.opts.referees!;
  const result = await refereeArchive(
    {
      name: f.node.name,
      ref: f.ref,
      id: f.info.id,
      file: saved.file!,
      image: saved.image!,
      bytes: saved.bytes,
      seconds: saved.seconds,
    },
    {
      setup: r.setup,
      workDir: run.scratch(),
      sbomDir: r.sbomDir,
      // A catalog that gates no efficiency: any efficiency passes.
      minEfficiency: gates.minEfficiency ?? 0,
      ...(gates.vulnerabilities ? { gate: gates.vulnerabilities } : {}),
      log: run.opts.log,
    },
  );
  const text = sbomText(result);
  if (text !== undefined) keepSbom(f.info.id, text, REFEREE_SBOM, run.opts.log);
  if (key && !result.problems.length) {
    const value: CachedReferee = { result, ...(result.sbom ? { sbom: text } : {}) };
    run.opts.cache!.referee.put(key.key, key.parts, value);
  }
  return result;
}

/**
 * Every start figure first, one image after another, before any save: the saves, dive, Trivy and zstd that
 * follow are disk-bound and time nothing, so what a caller runs beside them cannot move a figure. Images whose
 * report is cached are not started.
 */
async function timeStartsFirst(run: Run, found: Found[]): Promise<void> {
  const measureOpts = { ...run.opts, engine: run.engine };
  for (const f of found) {
    if (run.opts.report === false || !timesStarts(f.node, run.opts)) continue;
    const gates = effectiveGates(f.node.name, run.catalog.spec.gates, f.node.spec.gates);
    const rKey = await reportKey(run, f, gates);
    if (rKey && run.opts.cache!.report.get<ImageReport>(rKey.key)) continue;
    run.timed.set(f.node.name, await measureStarts(f, measureOpts));
  }
}

/** Measures (and referees) the named images; their present ancestors give the sharing figures. */
export async function collectReport(catalog: Catalog, nodes: ImageNode[], opts: CollectOptions): Promise<Collected> {
  const engine = opts.engine ?? dockerReportEngine;
  const wanted = new Set(nodes.map((n) => n.name));
  const involved = catalog.order.filter((n) => wanted.has(n.name) || nodes.some((w) => w.chain.includes(n)));
  const { found, missing } = await findImages(engine, involved, wanted, opts.refOf);
  let work: string | undefined;
  const run: Run = {
    catalog,
    opts,
    engine,
    verb: opts.verb ?? 'kfc report',
    found,
    book: new LayerBook(),
    notes: [],
    bases: new Map(),
    timed: new Map(),
    scratch: () => {
      if (!work) {
        work = opts.workDir ?? mkdtempSync(join(tmpdir(), 'kfc-judge-'));
        mkdirSync(work, { recursive: true });
      }
      return work;
    },
  };
  const images: ImageReport[] = [];
  const referees: RefereeImage[] = [];
  const judged = catalog.order.flatMap((n) => (wanted.has(n.name) ? (found.get(n.name) ?? []) : []));
  await timeStartsFirst(run, judged);
  opts.onStartsTimed?.();
  try {
    // Each image's dive and Trivy run beside the next image's save; the next image's figures wait for them, and a
    // failure there is thrown then.
    const pending: Promise<RefereeImage | undefined>[] = [];
    try {
      for (const f of judged) {
        const j = await judgeImage(run, f, pending.at(-1) ?? Promise.resolve());
        if (j.report) images.push(j.report);
        j.referee.catch(() => undefined); // awaited by the next image and below: no unhandled rejection
        pending.push(j.referee);
      }
    } finally {
      // Nothing is left reading an archive when the scratch folder goes.
      await Promise.allSettled(pending);
    }
    for (const p of pending) {
      const referee = await p;
      if (referee) referees.push(referee);
    }
  } finally {
    if (work && !opts.workDir) rmSync(work, { recursive: true, force: true });
  }
  return { report: familyReport(opts.report === false ? [] : images, missing, run.notes), referees };
}
