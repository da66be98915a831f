/**
 * `kfc bake --build`: builds images with `docker buildx bake` on the local engine, so users run what
 * CI checks. buildx's `docker` driver builds through the daemon's own BuildKit, the one `kfc build`
 * uses, and the bake file is made to give the same cache keys as `kfc build`: the same context
 * content (vendor artifacts and the wheelhouse are staged by the same code), build args and secret
 * ids (`ca`, `pip-index-url`). A build after `kfc build` is then answered from the cache step by step.
 *
 * One bake run builds the whole selection. No ordering by tree level is needed: every Dockerfile is
 * flat, FROM the root base (which this makes sure exists), and BuildKit runs a step shared by
 * several targets of one run once (measured: the same layer, one execution).
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import type { Catalog } from '../catalog/model.ts';
import { type PreparedContext, prepareArtifacts } from '../engine/artifacts.ts';
import { basesOf, ensureBase } from '../engine/base.ts';
import { logDir, ociLabels, preflight } from '../engine/build.ts';
import { inspectImage, requireEngine } from '../engine/docker.ts';
import { gitInfo } from '../engine/git.ts';
import { cleanupOnInterrupt } from '../engine/signals.ts';
import { KfcError } from '../errors.ts';
import { OUTPUT_DIR } from '../generate/generate.ts';
import { configuredIndex } from '../python/index-url.ts';
import { defaultTag, imageRef, requireValidTag } from '../tags/tags.ts';
import { bakeJson, INDEX_SECRET_ENV, renderBake, targetName } from './bake.ts';
import { findBuildx } from './bake-buildx.ts';
import { BakeProgress } from './bake-progress.ts';

export const BAKE_PROGRESS_MODES = ['auto', 'plain', 'quiet'] as const;
export type BakeProgressMode = (typeof BAKE_PROGRESS_MODES)[number];

export interface BakeBuildOptions {
  repo?: string;
  /** Tags of every image; the first is the version label. Default: the git branch, as kfc build. */
  tags?: string[];
  caBundle?: string;
  /** As kfc build --build-arg: the same values give the same cache keys. */
  buildArgs?: Record<string, string>;
  /** 'auto': one line per step; 'plain': buildx's own output; 'quiet': the summary only. */
  progress?: BakeProgressMode;
  log?: (line: string) => void;
}

interface BakedImage {
  image: string;
  ref: string;
  id: string;
  size: number;
  layers: number;
  /** Steps buildx showed under this target and how many came from the cache. */
  steps: number;
  cached: number;
}

export interface BakeBuildResult {
  /** The bake file that was run (kept beside the log). */
  bakeFile: string;
  logFile: string;
  seconds: number;
  steps: number;
  cached: number;
  images: BakedImage[];
}

export async function bakeBuild(
  catalog: Catalog,
  images: string[],
  opts: BakeBuildOptions = {},
): Promise<BakeBuildResult> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  if (images.length === 0)
    throw new KfcError('kfc bake --build: name the images to build', {
      hint: `images: ${catalog.order.map((n) => n.name).join(', ')}`,
    });
  const git = await gitInfo(catalog.root);
  const tags = opts.tags?.length ? opts.tags.map((t) => requireValidTag(t)) : [defaultTag(git.branch)];
  const repo = opts.repo ?? catalog.spec.registry.repo;
  // Pure first: unknown images fail before the engine is asked anything.
  const { file } = renderBake(catalog, {
    repo,
    extraTags: tags,
    registryCache: false,
    caBundle: opts.caBundle,
    images,
    buildArgs: opts.buildArgs,
    loadInternal: true,
  });
  const nodes = catalog.order.filter((n) => file.target[targetName(n.name)]);
  const buildx = await findBuildx();
  await requireEngine();
  await preflight(catalog, nodes, { caBundle: opts.caBundle, log });
  for (const base of basesOf(catalog, nodes)) {
    if ((await ensureBase(base, { log })).created) log(`kfc bake: root base ${base.image} has been created`);
  }

  const prepared: PreparedContext[] = [];
  const cleanup = () => Promise.all(prepared.map((p) => p.cleanup()));
  // An interrupted build still removes its temporary contexts (they may hold licensed media).
  const release = cleanupOnInterrupt(cleanup);
  const bakeFile = join(logDir(catalog), 'bake.json');
  const logFile = join(logDir(catalog), 'bake.log');
  const progress = new BakeProgress();
  const t0 = performance.now();
  let exitCode: number;
  try {
    for (const node of nodes) {
      const ctx = await prepareArtifacts(catalog, node, join(catalog.root, OUTPUT_DIR, node.name));
      prepared.push(ctx);
      if (ctx.wheels) log(`  ${node.name}: Python wheelhouse: ${ctx.wheels} wheels from the cache`);
      const target = file.target[targetName(node.name)]!;
      target.context = ctx.contextDir;
      target.labels = ociLabels(node, git, tags[0]!, ctx.included);
    }
    mkdirSync(logDir(catalog), { recursive: true });
    writeFileSync(bakeFile, bakeJson(file));
    exitCode = await runBake(buildx, bakeFile, Object.keys(file.target), logFile, (line) => {
      const ev = progress.feed(line);
      if (opts.progress === 'plain') log(line);
      else if (ev.step && opts.progress !== 'quiet') log(`  ${ev.step.slice(0, 110)}`);
    });
  } finally {
    await cleanup();
    release();
  }
  const seconds = (performance.now() - t0) / 1000;
  const summary = progress.summary();
  if (exitCode !== 0)
    throw new KfcError(`docker buildx bake failed: ${summary.lastError ?? `exit ${exitCode}`}`, {
      where: bakeFile,
      hint: `see ${logFile}`,
      exitCode: 1,
    });
  const baked: BakedImage[] = [];
  for (const node of nodes) {
    const ref = imageRef(repo, node.name, tags[0]!);
    const info = await inspectImage(ref);
    if (!info) throw new KfcError(`docker buildx bake succeeded but ${ref} is not in the engine`, { hint: logFile });
    const counts = summary.targets[targetName(node.name)] ?? { steps: 0, cached: 0 };
    baked.push({ image: node.name, ref, id: info.id, size: info.size, layers: info.layers.length, ...counts });
  }
  const steps = baked.reduce((s, b) => s + b.steps, 0);
  const cached = baked.reduce((s, b) => s + b.cached, 0);
  log(
    `kfc bake: built ${baked.map((b) => b.ref).join(' ')} in ${seconds.toFixed(1)} s, ${cached}/${steps} steps cached`,
  );
  return { bakeFile, logFile, seconds, steps, cached, images: baked };
}

/** Runs buildx bake (contexts are absolute); the index URL reaches it only through the environment. */
async function runBake(
  buildx: string[],
  bakeFile: string,
  targets: string[],
  logFile: string,
  onLine: (line: string) => void,
): Promise<number> {
  const index = configuredIndex();
  const out = createWriteStream(logFile);
  const args = [...buildx.slice(1), 'bake', '-f', bakeFile, '--progress', 'plain', ...targets];
  out.write(`$ ${buildx[0]} ${args.join(' ')}\n`);
  const proc = execa(buildx[0]!, args, {
    reject: false,
    all: true,
    buffer: false,
    env: index ? { [INDEX_SECRET_ENV]: index } : {},
  });
  const rl = createInterface({ input: proc.all! });
  const closed = new Promise<void>((r) => rl.once('close', () => r()));
  rl.on('line', (line) => {
    out.write(line + '\n');
    onLine(line);
  });
  const res = await proc;
  await closed;
  await new Promise<void>((r) => out.end(r));
  return res.exitCode ?? 1;
}
