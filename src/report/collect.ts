/**
 * The effectful half of `kfc report`: reads images from the local engine (docker save, docker
 * exec, docker run) and hands the bytes to the pure metrics.
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { publishedPort } from '../engine/dev.ts';
import { docker, dockerBin, inspectImage } from '../engine/docker.ts';
import { onInterrupt, signalExitCode } from '../engine/signals.ts';
import { KfcError } from '../errors.ts';
import { renderDockerfile } from '../generate/generate.ts';
import { attributeLayers } from '../metrics/attribution.ts';
import { type FamilyImage, familySharing } from '../metrics/family.ts';
import { checkGates, effectiveGates } from '../metrics/gates.ts';
import { type ArchiveImage, analyzeLayers, type ImageArchive, readImageArchive } from '../metrics/layers.ts';
import { applyProbe, emptyManifests, type Manifests, probes } from './manifests.ts';
import { type FamilyReport, type ImageReport, type LayerReport, REPORT_VERSION, type StartReport } from './model.ts';

export interface InspectedImage {
  id: string;
  size: number;
  tags: string[];
  created: string;
  diffIds: string[];
  env: string[];
}

export async function inspect(ref: string): Promise<InspectedImage | undefined> {
  const i = await inspectImage(ref);
  return i && { id: i.id, size: i.size, tags: i.tags, created: i.created, diffIds: i.layers, env: i.env };
}

/** `docker save` of several images in one stream (shared layers are written once), analysed as it streams. */
export async function saveAndRead(refs: string[]): Promise<ImageArchive> {
  const proc = execa(dockerBin(), ['save', ...refs], {
    buffer: { stdout: false, stderr: true },
    reject: false,
    stripFinalNewline: true,
  });
  const archive = readImageArchive(proc.stdout!);
  const [result, res] = await Promise.allSettled([archive, proc]);
  const done = res.status === 'fulfilled' ? res.value : undefined;
  if (done?.exitCode !== 0) {
    const why = (done?.stderr as string | undefined)?.split('\n').find((l) => l.trim()) ?? 'docker save failed';
    throw new KfcError(`docker save ${refs.join(' ')}: ${why}`, {
      hint: 'check the images exist (kfc build) and the engine has room',
    });
  }
  if (result.status === 'rejected')
    throw new KfcError(`could not read the image archive: ${(result.reason as Error).message}`, {
      hint: 'report it with the docker version; set KFC_DEBUG=1 for details',
    });
  return result.value;
}

/** Containers started by this process, removed on Ctrl-C / SIGTERM as well as after use. */
const live = new Set<string>();
let trapped = false;
function track(name: string): void {
  live.add(name);
  if (trapped) return;
  trapped = true;
  onInterrupt((signal) => {
    for (const n of live) spawnSync(dockerBin(), ['rm', '-f', n], { stdio: 'ignore' });
    process.exit(signalExitCode(signal));
  });
}
async function remove(name: string): Promise<void> {
  await docker(['rm', '-f', name], { timeoutMs: 60_000 });
  live.delete(name);
}

const envOf = (env: string[], key: string) => env.find((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);

/** Starts a throwaway container (sleep) and runs the manifest probes in it. Always removes it. */
export async function collectManifests(ref: string, condaDir = '/opt/conda', timeoutMs = 180_000): Promise<Manifests> {
  const name = `kfc-report-manifest-${randomBytes(4).toString('hex')}`;
  const m = emptyManifests();
  track(name);
  const run = await docker(
    [
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'none',
      '--label',
      'org.kfc.report=1',
      '--entrypoint',
      'sleep',
      ref,
      'infinity',
    ],
    { timeoutMs: 60_000 },
  );
  try {
    if (run.failed) {
      m.errors.push(`could not start a container: ${(run.stderr || run.stdout).split('\n')[0]}`);
      return m;
    }
    for (const p of probes()) {
      const res = await docker(['exec', name, 'sh', '-c', p.script], { timeoutMs });
      applyProbe(
        m,
        p,
        { exitCode: res.exitCode ?? 1, stdout: String(res.stdout ?? ''), stderr: String(res.stderr ?? '') },
        condaDir,
      );
    }
    return m;
  } finally {
    await remove(name);
  }
}

/**
 * Status of one GET (a fresh connection each time), or the error text. node:http rather than
 * fetch: its sockets and our timer keep the event loop alive while the container starts.
 */
export function httpStatus(url: string, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (e) => resolve(e.message));
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => resolve(e.message));
    req.on('close', () => clearTimeout(timer));
  });
}

export function summarize(samples: number[]): { medianMs: number; minMs: number; maxMs: number; iqrMs: number } {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) return { medianMs: NaN, minMs: NaN, maxMs: NaN, iqrMs: NaN };
  const q = (p: number) => {
    const pos = (s.length - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
  };
  return { medianMs: q(0.5), minMs: s[0]!, maxMs: s[s.length - 1]!, iqrMs: q(0.75) - q(0.25) };
}

/**
 * Start time: `docker run` → `http://127.0.0.1:<free port><NB_PREFIX><ready>` answers 200, over
 * `starts` runs. Every container is removed, also on failure.
 */
export async function measureStart(
  ref: string,
  ready: string,
  starts: number,
  opts: { timeoutMs?: number; log?: (s: string) => void } = {},
): Promise<StartReport> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const prefix = `/notebook/kfc-report/start-${randomBytes(3).toString('hex')}`;
  const samples: number[] = [];
  const failures: string[] = [];
  let url = '';
  for (let i = 0; i < starts; i++) {
    const name = `kfc-report-start-${randomBytes(4).toString('hex')}`;
    track(name);
    const t0 = performance.now();
    try {
      const run = await docker(
        [
          'run',
          '-d',
          '--name',
          name,
          '--label',
          'org.kfc.report=1',
          '-p',
          '127.0.0.1::8888',
          '-e',
          `NB_PREFIX=${prefix}`,
          ref,
        ],
        { timeoutMs: 60_000 },
      );
      if (run.failed) {
        failures.push(`start ${i + 1}: docker run failed: ${(run.stderr || run.stdout).split('\n')[0]}`);
        continue;
      }
      // The engine picks the host port: no window in which another process can take it.
      url = `http://127.0.0.1:${await publishedPort(name)}${prefix}${ready}`;
      let ok = false;
      let last = '';
      while (performance.now() - t0 < timeoutMs) {
        const status = await httpStatus(url, 2000);
        if (status === 200) {
          ok = true;
          break;
        }
        last = typeof status === 'number' ? `HTTP ${status}` : status;
        await new Promise((r) => setTimeout(r, 25));
      }
      const ms = performance.now() - t0;
      if (ok) samples.push(Math.round(ms));
      else {
        const logs = await docker(['logs', '--tail', '5', name]);
        const tail = `${logs.stdout}\n${logs.stderr}`
          .split('\n')
          .filter((l) => l.trim())
          .slice(-2)
          .join(' | ');
        failures.push(
          `start ${i + 1}: no 200 from ${url} within ${timeoutMs} ms (last: ${last})${tail ? `; logs: ${tail}` : ''}`,
        );
        opts.log?.(`kfc report: ${ref}: ${failures[failures.length - 1]}`);
        if (samples.length === 0 && i === 0) break; // it does not start at all: do not retry N times
      }
    } finally {
      await remove(name);
    }
  }
  return {
    starts: samples.length,
    samplesMs: samples,
    ...summarize(samples),
    url: url.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:<port>'),
    failures,
  };
}

/** What collectReport asks of an engine: docker below, a fake in the unit tests. */
export interface ReportEngine {
  inspect(ref: string): Promise<InspectedImage | undefined>;
  /** One archive of several images (shared layers once), read as it streams. */
  saveAndRead(refs: string[]): Promise<ImageArchive>;
  manifests(ref: string, condaDir: string): Promise<Manifests>;
  measureStart(
    ref: string,
    ready: string,
    starts: number,
    opts: { timeoutMs?: number; log?: (s: string) => void },
  ): Promise<StartReport>;
}

/** Several archives as one: each image once, each layer once (by diff_id), every note. */
export function mergeArchives(archives: ImageArchive[]): ImageArchive {
  const merged: ImageArchive = { images: [], layers: new Map(), notes: [] };
  for (const a of archives) {
    for (const img of a.images) if (!merged.images.some((m) => m.id === img.id)) merged.images.push(img);
    for (const [id, layer] of a.layers) if (!merged.layers.has(id)) merged.layers.set(id, layer);
    merged.notes.push(...a.notes);
  }
  return merged;
}

/**
 * One `docker save` per image: the engine writes a whole export under its data root before it
 * streams it, so saving the family at once needs scratch space for every distinct layer (18 GB with
 * the GPU images); one at a time needs room for the largest image only, at the cost of re-reading
 * shared layers.
 */
async function saveAndReadEach(refs: string[]): Promise<ImageArchive> {
  const archives: ImageArchive[] = [];
  for (const ref of refs) archives.push(await saveAndRead([ref]));
  return mergeArchives(archives);
}

export const dockerReportEngine: ReportEngine = {
  inspect,
  saveAndRead: saveAndReadEach,
  manifests: (ref, condaDir) => collectManifests(ref, condaDir),
  measureStart,
};

export interface CollectOptions {
  /** The engine read from (default: the local Docker engine). */
  engine?: ReportEngine;
  refOf: (node: ImageNode) => string;
  manifests: boolean;
  starts: number;
  startTimeoutMs?: number;
  log: (s: string) => void;
}

/** Measures the named images (their present ancestors are read too, for sharing). */
export async function collectReport(catalog: Catalog, nodes: ImageNode[], opts: CollectOptions): Promise<FamilyReport> {
  const engine = opts.engine ?? dockerReportEngine;
  const notes: string[] = [];
  const wanted = new Set(nodes.map((n) => n.name));
  // Ancestors give the sharing figures; their layers are in the children's save anyway.
  const involved = catalog.order.filter((n) => wanted.has(n.name) || nodes.some((w) => w.chain.includes(n)));
  const found = new Map<string, { node: ImageNode; ref: string; info: InspectedImage }>();
  const missing: string[] = [];
  for (const node of involved) {
    const ref = opts.refOf(node);
    const info = await engine.inspect(ref);
    if (info) found.set(node.name, { node, ref, info });
    else if (wanted.has(node.name)) missing.push(node.name);
  }
  if (found.size === 0)
    return {
      version: REPORT_VERSION,
      generatedAt: new Date().toISOString(),
      images: [],
      family: { images: 0, sumBytes: 0, uniqueBytes: 0, uniqueLayers: 0, sumLayers: 0, ratio: 1 },
      missing,
      breaches: [],
      notes,
    };

  const refs = [...found.values()].map((f) => f.ref);
  opts.log(`kfc report: reading ${refs.length} image(s) with docker save: ${refs.join(' ')}`);
  const t0 = performance.now();
  const archive = await engine.saveAndRead(refs);
  opts.log(
    `kfc report: ${archive.layers.size} distinct layer(s) read in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  notes.push(...archive.notes);
  const byId = new Map<string, ArchiveImage>(archive.images.map((i) => [i.id, i]));

  const fam: FamilyImage[] = [];
  const archived = new Map<string, ArchiveImage>();
  for (const [name, f] of found) {
    const img = byId.get(f.info.id);
    if (!img) {
      notes.push(`${name}: ${f.ref} (${f.info.id}) not found in the saved archive`);
      continue;
    }
    archived.set(name, img);
    fam.push({
      name,
      parent: f.node.parent?.name,
      root: f.node.chain[0]!.name,
      layers: img.layers.map((l) => ({ diffId: l.diffId, size: l.size, tarBytes: l.tarBytes })),
    });
  }
  const sharing = familySharing(fam);
  const shareOf = new Map(sharing.images.map((s) => [s.name, s]));

  const images: ImageReport[] = [];
  const baseLayers = new Map<string, Set<string>>();
  for (const node of nodes) {
    const f = found.get(node.name);
    const img = archived.get(node.name);
    if (!f || !img) continue;
    const imageNotes: string[] = [];
    const rendered = renderDockerfile(node);
    const origins = attributeLayers(img.config, rendered);
    // The root base's own layers, by digest (more robust than history when an image was not built
    // from the generated Dockerfile, e.g. committed by hand).
    if (!baseLayers.has(node.baseImage))
      baseLayers.set(node.baseImage, new Set((await engine.inspect(node.baseImage))?.diffIds ?? []));
    const baseIds = baseLayers.get(node.baseImage)!;
    const attributed = origins.filter((o) => o.bit).length;
    const own = img.layers.filter((l) => !baseIds.has(l.diffId)).length;
    if (baseIds.size && attributed < own)
      imageNotes.push(
        `${own - attributed} of ${own} layer(s) above the base could not be matched to an instruction of the generated Dockerfile (built from another Dockerfile?)`,
      );
    const parentIds = new Set(node.parent ? (archived.get(node.parent.name)?.layers.map((l) => l.diffId) ?? []) : []);
    const layers: LayerReport[] = img.layers.map((l, i) => {
      const o = origins[i];
      return {
        index: i,
        diffId: l.diffId,
        size: l.size,
        tarBytes: l.tarBytes,
        files: l.files,
        regularFiles: l.regularFiles,
        hardlinks: l.hardlinks,
        symlinks: l.symlinks,
        whiteouts: l.whiteoutMarkers,
        instruction: o?.step?.summary ?? '',
        ...(o?.bit ? { bit: o.bit, owner: o.owner, bitLine: o.bitLine } : {}),
        base: baseIds.size ? baseIds.has(l.diffId) : (o?.base ?? i === 0),
        inParent: parentIds.has(l.diffId),
      };
    });
    const m = analyzeLayers(img.layers);
    const hardlinks = layers.reduce((a, l) => a + l.hardlinks, 0);
    const symlinks = layers.reduce((a, l) => a + l.symlinks, 0);
    if (hardlinks || symlinks)
      imageNotes.push(
        `${hardlinks} hard link(s) and ${symlinks} symbolic link(s) count 0 bytes (their bytes belong to the target)`,
      );
    const share = shareOf.get(node.name)!;
    if (node.parent && !archived.has(node.parent.name))
      imageNotes.push(`parent ${node.parent.name} is not built here (${opts.refOf(node.parent)}): no sharing figure`);

    let manifests: Manifests | undefined;
    if (opts.manifests) {
      opts.log(`kfc report: ${node.name}: package manifests`);
      manifests = await engine.manifests(f.ref, envOf(f.info.env, 'CONDA_DIR') ?? '/opt/conda');
    }
    let start: StartReport | undefined;
    if (opts.starts > 0 && !node.spec.publish)
      imageNotes.push('internal stage (publish: false): start time not measured');
    if (opts.starts > 0 && node.spec.publish) {
      opts.log(`kfc report: ${node.name}: ${opts.starts} start(s) → ${node.spec.test.ready} under NB_PREFIX`);
      start = await engine.measureStart(f.ref, node.spec.test.ready, opts.starts, {
        timeoutMs: opts.startTimeoutMs,
        log: opts.log,
      });
    }
    const gates = effectiveGates(node.name, catalog.spec.gates, node.spec.gates);
    const breaches = checkGates(
      {
        image: node.name,
        size: f.info.size,
        efficiency: m.efficiency,
        startMedianMs: start && start.starts > 0 ? start.medianMs : undefined,
        parentShare: share.parent?.ratio,
        parent: node.parent?.name,
      },
      gates,
    );
    if (start && start.starts === 0 && opts.starts > 0) {
      breaches.push({
        image: node.name,
        metric: 'startMedianMs',
        value: Infinity,
        threshold: gates.maxStartMedianMs ?? 0,
        kind: 'max',
        source: gates.source.maxStartMedianMs ?? '',
        message: `${node.name}: never answered 200 at ${start.url} (${start.failures[0] ?? ''})`,
      });
    }
    images.push({
      name: node.name,
      ...(node.parent ? { parent: node.parent.name } : {}),
      root: node.chain[0]!.name,
      publish: node.spec.publish,
      ref: f.ref,
      id: f.info.id,
      created: f.info.created,
      tags: f.info.tags,
      size: f.info.size,
      layers,
      metrics: {
        ...m,
        topWasted: m.topWasted.map((w) => ({
          path: `/${w.path}`,
          cumulativeBytes: w.cumulativeBytes,
          minBytes: w.minBytes,
          removed: w.removed,
          layers: w.layers.map((i) => ({
            index: i,
            instruction: layers[i]?.instruction ?? '',
            ...(layers[i]?.bit ? { bit: layers[i]!.bit } : {}),
          })),
        })),
      },
      sharing: share,
      ...(manifests ? { manifests } : {}),
      ...(start ? { start } : {}),
      gates,
      breaches,
      measuredAt: new Date().toISOString(),
      notes: imageNotes,
    });
  }
  return {
    version: REPORT_VERSION,
    generatedAt: new Date().toISOString(),
    images,
    family: familyFigures(images),
    missing,
    breaches: images.flatMap((i) => i.breaches),
    notes,
  };
}

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

/** Replaces the re-measured images in an earlier report, keeping the others (the page lists every image). */
export function mergeReports(prev: FamilyReport | undefined, next: FamilyReport, catalogNames: string[]): FamilyReport {
  if (!prev || prev.version !== REPORT_VERSION) return next;
  const fresh = new Set(next.images.map((i) => i.name));
  const kept = prev.images.filter((i) => !fresh.has(i.name) && catalogNames.includes(i.name));
  const images = catalogNames
    .map((n) => next.images.find((i) => i.name === n) ?? kept.find((i) => i.name === n))
    .filter((i): i is ImageReport => Boolean(i));
  return {
    ...next,
    images,
    family: familyFigures(images),
    breaches: images.flatMap((i) => i.breaches),
    missing: catalogNames.filter((n) => !images.some((i) => i.name === n)),
  };
}
