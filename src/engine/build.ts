import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { type BakeFile, bakeJson, INDEX_SECRET_ENV, targetName } from '../bake/bake.ts';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import type { BaseSpec } from '../catalog/schema.ts';
import type { SourceState } from '../catalog/sources.ts';
import { buildability } from '../catalog/sources.ts';
import { KfcError } from '../errors.ts';
import { generateImage, OUTPUT_DIR } from '../generate/generate.ts';
import { checkOutput } from '../generate/write.ts';
import { ciLog } from '../log/ci-log.ts';
import { refuseStaleLocks } from '../python/check.ts';
import { configuredIndex, redactUrl } from '../python/index-url.ts';
import { chooseArchives } from './apt-archives.ts';
import { type AptTarget, type ArchiveReader, aptTargets } from './apt-targets.ts';
import { type PreparedContext, prepareArtifacts } from './artifacts.ts';
import { bakePlan } from './bake-plan.ts';
import { BakeProgress, type ImagePlan, imagePlans } from './bake-progress.ts';
import { basesOf, ensureBase } from './base.ts';
import { historyFile, readHistory, saveImageHistory } from './build-history.ts';
import { createReporter } from './build-reporter.ts';
import { buildTable } from './build-table.ts';
import { type BuilderInfo, buildkitAtLeast, findBuildx, inspectBuilder, LOCAL_BUILDER } from './buildx.ts';
import { type ImageInfo, inspectImage, requireEngine } from './docker.ts';
import { readDockerArgs } from './docker-args.ts';
import { recordImage, StepEstimator, stepKeys } from './estimate.ts';
import { type GitInfo, type InputsCommit, inputsCommit } from './git.ts';
import { ImageProgress } from './image-progress.ts';
import { imageEstimate } from './progress-format.ts';
import type { ProgressMode } from './progress-modes.ts';
import { type ResolvedRefs, resolveRefs } from './refs.ts';
import { cleanupOnInterrupt } from './signals.ts';
import { StatusStream } from './solve-status.ts';
import { gatherSourceState } from './sources.ts';
import { buildSteps } from './steps.ts';

/**
 * `kfc build` (and `kfc bake --build`): one path. The images asked for and their ancestors become one
 * bake file (kfc bake's targets, each tagged REPO/IMAGE:TAG, with its staged context and labels), and
 * one `buildx bake` builds it on the builder named (default: the local engine's own BuildKit). BuildKit
 * solves the whole graph: a step the targets share runs once, siblings build concurrently. Its progress
 * (`--progress rawjson`) becomes per-step lines and the table at the end.
 */

/** What a build asks of the machine: buildx and the engine below, a fake in the unit tests. */
export interface BuildEngine {
  /** The buildx command (argv before `bake`). */
  buildx(): Promise<string[]>;
  builder(buildx: string[], name: string): Promise<BuilderInfo>;
  /** Checks an engine answers (one clear line when none does). */
  requireEngine(): Promise<void>;
  /** What this machine can reach (mirrors, indexes, artifacts, licensed media). */
  sources(catalog: Catalog, nodes: ImageNode[]): Promise<SourceState>;
  ensureBase(base: BaseSpec, log: (s: string) => void): Promise<{ created: boolean }>;
  /** Runs buildx with `args`; everything it writes on stderr goes to onOutput; resolves to the exit code. */
  bake(
    buildx: string[],
    args: string[],
    env: Record<string, string>,
    onOutput: (text: string) => void,
  ): Promise<number>;
  inspect(ref: string): Promise<ImageInfo | undefined>;
  /** The Debian archive state a base's apt layers build from (apt-archives.ts); none: not read. */
  archives?: ArchiveReader;
}

const localEngine: BuildEngine = {
  buildx: () => findBuildx(),
  builder: inspectBuilder,
  requireEngine: async () => void (await requireEngine()),
  sources: (catalog, nodes) => gatherSourceState(catalog, nodes, { network: true }),
  ensureBase: (base, log) => ensureBase(base, { log }),
  async bake(buildx, args, env, onOutput) {
    const proc = execa(buildx[0]!, [...buildx.slice(1), ...args], { reject: false, buffer: false, env });
    proc.stderr!.setEncoding('utf8');
    proc.stdout!.setEncoding('utf8');
    proc.stderr!.on('data', (text: string) => onOutput(text));
    proc.stdout!.on('data', (text: string) => onOutput(text));
    const res = await proc;
    return res.exitCode ?? 1;
  },
  inspect: inspectImage,
  archives: chooseArchives,
};

export interface BuildOptions {
  /** The machine built on (default: buildx and the local Docker engine). */
  engine?: BuildEngine;
  /** A buildx builder (default: the local engine's own, `default`). */
  builder?: string;
  repo?: string;
  tag?: string;
  /** More tags of every image. */
  extraTags?: string[];
  buildArgs?: Record<string, string>;
  noCache?: boolean;
  /**
   * Read the Debian archives' InRelease files now: when one moved since the last build, foundation's
   * apt layer and every later one are rebuilt; when none did, the cache stays (default: the state
   * the last build recorded).
   */
  refresh?: boolean;
  cacheFrom?: string[];
  cacheTo?: string[];
  /** Registry cache at REPO/<image>:buildcache for the image and its ancestors (the bake scheme). */
  registryCache?: 'read' | 'write';
  /** base key → a pushed copy of that root base (builders that cannot see the engine's images). */
  baseRefs?: Record<string, string>;
  /** Push the images to the registry (their tags' registry); with `load`, also load them. */
  push?: boolean;
  /** Load the images into the engine (default unless push). */
  load?: boolean;
  caBundle?: string;
  /**
   * 'tty': a live status line per image with its step, bit, elapsed time and estimate; 'lines': one
   * timestamped line per step; 'plain': the build's plain log; 'quiet': start/end lines only;
   * 'auto' (default): tty on a terminal outside CI, lines otherwise.
   */
  progress?: ProgressMode;
  /** `docker build` options (the seed's DARGS), as far as a bake file can hold them. */
  extraArgs?: string[];
  log?: (line: string) => void;
}

export interface BuildResult {
  image: string;
  ref: string;
  /** From the start of the build to this image (the images build concurrently). */
  seconds: number;
  /** Bytes in the engine (0 when the image was only pushed). */
  size: number;
  id: string;
  cachedSteps: number;
  steps: number;
  logFile: string;
}

function logDir(catalog: Catalog): string {
  return join(catalog.root, '.kfc', 'logs');
}

/**
 * OCI labels of a build: what it is and where it came from. Revision and creation time are those of the
 * last commit that changed the image's build context (`inputs`), so the same inputs give the same image
 * ID at any later commit; a context with uncommitted changes gets HEAD (marked dirty) and the time now.
 */
function ociLabels(
  node: ImageNode,
  git: GitInfo,
  inputs: InputsCommit | undefined,
  version: string,
  optionalParts: string[],
): Record<string, string> {
  const revision = inputs?.sha ?? (git.sha ? `${git.sha}${git.dirty ? '-dirty' : ''}` : undefined);
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': node.name,
    'org.opencontainers.image.description': node.spec.description,
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.created': inputs?.date ?? new Date().toISOString(),
    'org.opencontainers.image.base.name': node.baseImage,
    'org.kfc.parent': node.parent?.name ?? '',
    'org.kfc.optional-parts': optionalParts.join(',') || 'none',
  };
  if (revision) labels['org.opencontainers.image.revision'] = revision;
  // A repository URL only: a clone's local path would make each clone's images differ.
  const source = git.remote?.replace(/^git@([^:]+):/, 'https://$1/').replace(/\.git$/, '');
  if (source && /^[a-z]+:\/\//.test(source) && !source.startsWith('file:'))
    labels['org.opencontainers.image.source'] = source;
  return labels;
}

/** Refuses, before any work, when an image needs a source this machine lacks. */
async function preflight(
  catalog: Catalog,
  nodes: ImageNode[],
  opts: { log: (s: string) => void; engine: BuildEngine },
): Promise<void> {
  const drift = checkOutput(catalog).filter((d) => nodes.some((n) => d.path.startsWith(`${OUTPUT_DIR}/${n.name}/`)));
  if (drift.length) {
    throw new KfcError(
      `output/ is out of sync for ${[...new Set(drift.map((d) => d.path.split('/')[1]))].join(', ')} ` +
        `(${drift[0]!.path} ${drift[0]!.kind})`,
      { hint: 'run kfc generate' },
    );
  }
  refuseStaleLocks(catalog, nodes);
  const state = await opts.engine.sources(catalog, nodes);
  for (const n of nodes) {
    const b = buildability(catalog, n, state);
    if (!b.ok)
      throw new KfcError(
        `cannot build ${n.name}: ${b.missing[0]}${b.missing.length > 1 ? ` (and ${b.missing.length - 1} more)` : ''}`,
        { where: `images.yaml images.${n.name}.requires`, hint: 'provide the source, or build another image' },
      );
    for (const s of b.skipped) opts.log(`kfc build: ${n.name}: optional part left out: ${s}`);
  }
}

function checkCaBundle(caBundle: string | undefined): void {
  if (caBundle && !(existsSync(caBundle) && statSync(caBundle).isFile()))
    throw new KfcError(`--ca-bundle ${caBundle} is not a readable file`, {
      hint: 'give the PEM bundle of your TLS-inspecting proxy, e.g. /etc/ssl/certs/ca-certificates.crt',
    });
}

function checkBaseRefs(catalog: Catalog, nodes: ImageNode[], baseRefs: Record<string, string>, b: BuilderInfo): void {
  if (!Object.keys(baseRefs).length) return;
  // Named contexts (how a base ref reaches the Dockerfile) need BuildKit 0.10; Docker 20.10's is 0.8.
  if (!buildkitAtLeast(b, 0, 10))
    throw new KfcError(`builder "${b.name}" (BuildKit ${b.buildkit}) cannot take --base-ref`, {
      hint: 'its engine sees the root base made by kfc base; map bases only on a newer or remote builder',
    });
  for (const key of Object.keys(baseRefs))
    if (!nodes.some((n) => n.baseKey === key))
      throw new KfcError(`--base-ref ${key}=…: no image of this build is on "${key}"`, {
        where: catalog.file,
        hint: `bases in use: ${[...new Set(nodes.map((n) => n.baseKey))].join(', ')}`,
      });
}

/** Builds the images and their ancestors in one bake run; returns every image built, parents first. */
export async function buildImages(
  catalog: Catalog,
  nodes: ImageNode[],
  opts: BuildOptions = {},
): Promise<BuildResult[]> {
  const write = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  // A caller that takes the lines itself gets lines, never the terminal view.
  const mode = opts.log && (opts.progress ?? 'auto') === 'auto' ? 'lines' : opts.progress;
  const reporter = createReporter(mode, write);
  const log = (s: string) => reporter.message(s);
  const engine = opts.engine ?? localEngine;
  const dockerArgs = readDockerArgs(opts.extraArgs);
  checkCaBundle(opts.caBundle);
  const builderName = opts.builder ?? LOCAL_BUILDER;
  const buildx = await engine.buildx();
  const baseRefs = opts.baseRefs ?? {};
  const push = Boolean(opts.push);
  const load = opts.load ?? !push;
  // The engine answers first: the default builder is its BuildKit, loads go into it, bases are made in it.
  const mapsEveryBase = basesOf(catalog, nodes).every((b) =>
    catalog.order.some((n) => n.baseImage === b.image && baseRefs[n.baseKey]),
  );
  if (builderName === LOCAL_BUILDER || load || !mapsEveryBase) await engine.requireEngine();
  const builder = await engine.builder(buildx, builderName);
  const dockerDriver = builder.driver === 'docker';
  const refs = await resolveRefs(catalog, opts);
  const { git, tag } = refs;
  // The Debian archive state (KFC_APT_ARCHIVES and its labels) of the images whose Dockerfile declares it.
  const apt = engine.archives
    ? await aptTargets(catalog, nodes, {
        refresh: opts.refresh,
        buildArgs: { ...(opts.buildArgs ?? {}), ...dockerArgs.buildArgs },
        verb: 'kfc build',
        log,
        read: engine.archives,
      })
    : new Map<string, AptTarget>();
  const plan = bakePlan(
    catalog,
    nodes.map((n) => n.name),
    {
      repo: opts.repo,
      tag,
      extraTags: opts.extraTags,
      buildArgs: opts.buildArgs,
      perImage: apt,
      caBundle: opts.caBundle,
      cacheFrom: opts.cacheFrom,
      cacheTo: opts.cacheTo,
      registryCache: opts.registryCache,
      baseRefs,
      load,
      push,
      dockerDriver,
      // Docker 20.10's BuildKit (v0.8) exports no cache; a newer engine may (its containerd store): buildx says.
      noCacheExport: dockerDriver && !buildkitAtLeast(builder, 0, 10),
      dockerArgs,
    },
  );
  checkBaseRefs(catalog, plan.nodes, baseRefs, builder);
  // The images asked for first: a refusal names the image the user named (its needs include its ancestors').
  const asked = plan.nodes.filter((n) => nodes.includes(n));
  await preflight(catalog, [...asked, ...plan.nodes.filter((n) => !asked.includes(n))], { log, engine });
  for (const base of basesOf(catalog, plan.nodes)) {
    if (plan.nodes.every((n) => n.baseImage !== base.image || baseRefs[n.baseKey])) continue;
    const r = await engine.ensureBase(base, log);
    if (r.created) log(`kfc build: root base ${base.image} was missing and has been created`);
  }
  const labels = dockerArgs.labels;
  const ctx = { ...opts, tag, git, refs, reporter, log, engine, buildx, labels, apt };
  const run = new BakeRun(catalog, plan.nodes, plan.file, ctx);
  return run.build(builderName, Boolean(opts.noCache || dockerArgs.noCache));
}

interface RunContext extends BuildOptions {
  tag: string;
  git: GitInfo;
  refs: ResolvedRefs;
  reporter: ReturnType<typeof createReporter>;
  log: (s: string) => void;
  engine: BuildEngine;
  buildx: string[];
  /** `--docker-arg --label K=V`: labels over kfc's. */
  labels: Record<string, string>;
  /** Image name → its Debian archive state's arg and labels. */
  apt: Map<string, AptTarget>;
}

/** One bake run: staged contexts in, images, history and the table out. */
class BakeRun {
  private readonly dir: string;
  private readonly bakeFile: string;
  private readonly logFile: string;
  private readonly metadataFile: string;
  /** This run's own copies of the three files while it runs (final name → working name). */
  private readonly working: Map<string, string>;
  private settled = false;
  private readonly progress: Map<string, ImageProgress> = new Map();
  private readonly plans: ImagePlan[];
  private tracker: BakeProgress | undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly nodes: ImageNode[],
    private readonly file: BakeFile,
    private readonly ctx: RunContext,
  ) {
    this.dir = logDir(catalog);
    this.bakeFile = join(this.dir, 'bake.json');
    this.logFile = join(this.dir, 'build.log');
    this.metadataFile = join(this.dir, 'bake-metadata.json');
    // Two builds in one clone at once (two terminals, parallel tests) must not read each other's bake
    // file or metadata: each writes its own and renames them to the names above when it ends.
    const run = `${process.pid}-${randomBytes(3).toString('hex')}`;
    this.working = new Map(
      [this.bakeFile, this.logFile, this.metadataFile].map((f) => [f, join(this.dir, `.${run}.${basename(f)}`)]),
    );
    const sameArgs = (a: ImageNode, b: ImageNode) => JSON.stringify(a.args) === JSON.stringify(b.args);
    this.plans = imagePlans(
      nodes.map((node) => {
        const gen = generateImage(catalog, node);
        const target = targetName(node.name);
        const baseFromContext = Boolean(file.target[target]?.contexts?.[node.baseImage]);
        return { node, target, steps: buildSteps(gen.dockerfile, gen.origins), baseFromContext };
      }),
      sameArgs,
    );
  }

  async build(builder: string, noCache: boolean): Promise<BuildResult[]> {
    const { ctx } = this;
    const ci = ciLog();
    const history = { file: historyFile(this.catalog.root), data: readHistory(historyFile(this.catalog.root)) };
    const keys = new Map(this.plans.map((p) => [p.image, stepKeys(p.steps)]));
    const estimators = new Map<string, StepEstimator>();
    for (const [i, p] of this.plans.entries()) {
      const estimator = new StepEstimator(keys.get(p.image)!, history.data.images[p.image]);
      estimators.set(p.image, estimator);
      ctx.log(`kfc build: [${i + 1}/${this.plans.length}] ${p.image}${imageEstimate(estimator)}`);
    }
    const prepared: PreparedContext[] = [];
    const cleanup = () => Promise.all(prepared.map((p) => p.cleanup()));
    // An interrupted build still removes its temporary contexts (they may hold licensed media).
    const release = cleanupOnInterrupt(() => {
      this.settleFiles();
      return cleanup();
    });
    let outcome: Awaited<ReturnType<BakeRun['bake']>>;
    try {
      await this.stage(prepared);
      const title = `kfc build: ${this.nodes.length} image${this.nodes.length > 1 ? 's' : ''} on builder ${builder}`;
      const bake = () => this.bake(builder, noCache, estimators);
      outcome = ci.github ? await ci.group(title, bake) : await bake();
    } finally {
      await cleanup();
      release();
      this.settleFiles();
    }
    // The steps that ran feed the next build's estimates, even when this one failed.
    for (const p of this.plans) {
      const ran = this.progress.get(p.image)?.ran ?? new Map<number, number>();
      const entry = recordImage(history.data.images[p.image], keys.get(p.image)!, ran, new Date());
      // Read again: a build that ran meanwhile in this clone keeps what it saved.
      const unsaved = saveImageHistory(history.file, readHistory(history.file), p.image, entry);
      if (unsaved) ctx.log(`kfc build: ${unsaved}`);
    }
    if (outcome.exitCode !== 0) throw this.failure(outcome.exitCode, outcome.tail);
    const results = await this.results(outcome.seconds, outcome.exported, outcome.metadata);
    if (ctx.progress !== 'quiet' && results.length) ctx.log(buildTable(results, outcome.seconds));
    return results;
  }

  /** Each image's context (vendor artifacts, licensed media, the wheelhouse staged) and labels. */
  private async stage(prepared: PreparedContext[]): Promise<void> {
    const { ctx } = this;
    for (const node of this.nodes) {
      const staged = await prepareArtifacts(this.catalog, node, join(this.catalog.root, OUTPUT_DIR, node.name));
      prepared.push(staged);
      const target = this.file.target[targetName(node.name)]!;
      target.context = staged.contextDir;
      target.dockerfile = 'Dockerfile';
      const inputs = await inputsCommit(this.catalog.root, [join(OUTPUT_DIR, node.name)]);
      const aptLabels = ctx.apt.get(node.name)?.labels;
      target.labels = { ...ociLabels(node, ctx.git, inputs, ctx.tag, staged.included), ...aptLabels, ...ctx.labels };
      if (staged.wheels)
        ctx.log(`  ${node.name}: Python wheelhouse: ${staged.wheels} wheels from the cache (installs with --no-index)`);
      else if (node.requires.includes('pypi') && configuredIndex())
        ctx.log(`  ${node.name}: Python index ${redactUrl(configuredIndex()!)} (secret pip-index-url)`);
    }
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.work(this.bakeFile), bakeJson(this.file));
  }

  private work(file: string): string {
    return this.working.get(file)!;
  }

  /** Renames this run's files to their documented names (each is then one whole run's); drops stale ones. */
  private settleFiles(): void {
    if (this.settled) return;
    this.settled = true;
    for (const [final, work] of this.working) {
      if (existsSync(work)) renameSync(work, final);
      else rmSync(final, { force: true });
    }
  }

  /** Runs buildx bake; the step events go to the reporter, the plain log to build.log. */
  private async bake(builder: string, noCache: boolean, estimators: Map<string, StepEstimator>) {
    const { ctx } = this;
    const args = ['--builder', builder, 'bake', '-f', this.work(this.bakeFile), '--progress', 'rawjson'];
    args.push('--metadata-file', this.work(this.metadataFile), ...(noCache ? ['--no-cache'] : []));
    args.push(...this.nodes.map((n) => targetName(n.name)));
    const out = createWriteStream(this.work(this.logFile));
    // The command as it runs again after this run's files have their documented names.
    const settled = new Map([...this.working].map(([final, work]) => [work, final]));
    out.write(`$ ${[...ctx.buildx, ...args].map((a) => settled.get(a) ?? a).join(' ')}\n`);
    const stream = new StatusStream();
    const progress = new BakeProgress(this.plans);
    this.tracker = progress;
    const exported = new Map<string, number>();
    const tail: string[] = [];
    const t0 = performance.now();
    for (const [i, p] of this.plans.entries()) {
      const position = `${i + 1}/${this.plans.length}`;
      this.progress.set(p.image, new ImageProgress(p.image, position, p.steps, estimators.get(p.image)!, t0));
    }
    ctx.reporter.begin([...this.progress.values()]);
    const text = (line: string) => {
      out.write(`${line}\n`);
      ctx.reporter.raw(line);
    };
    const index = configuredIndex();
    const onOutput = (chunk: string) => {
      const { statuses, lines } = stream.feed(chunk);
      for (const line of lines) {
        text(line);
        tail.push(line);
      }
      for (const status of statuses) {
        const now = performance.now();
        const fed = progress.feed(status);
        for (const line of fed.lines) text(line);
        for (const { owner, ev } of fed.events) {
          const k = ev.started ?? ev.cached ?? ev.done ?? 0;
          for (const image of progress.sharers(owner, k)) this.progress.get(image)?.apply(ev, now);
          ctx.reporter.event(this.progress.get(owner)!, ev);
        }
        for (const image of fed.exported) {
          if (!exported.has(image)) exported.set(image, (now - t0) / 1000);
          ctx.reporter.finish(this.progress.get(image)!);
        }
      }
    };
    const exitCode = await ctx.engine
      .bake(ctx.buildx, args, index ? { [INDEX_SECRET_ENV]: index } : {}, onOutput)
      .finally(() => ctx.reporter.end());
    for (const line of stream.end()) {
      text(line);
      tail.push(line);
    }
    await new Promise<void>((r) => out.end(r));
    const metadata = readMetadata(this.work(this.metadataFile));
    return { exitCode, seconds: (performance.now() - t0) / 1000, exported, tail, metadata };
  }

  /** One line: the failing step at its bit and line, the error, the log. */
  private failure(exitCode: number, tail: string[]): KfcError {
    const f = this.tracker?.failure();
    const plan = this.plans.find((p) => p.image === f?.image);
    const step = f?.step && plan ? plan.steps[f.step - 1] : undefined;
    const buildxError = tail
      .filter((l) => /^ERROR/.test(l))
      .at(-1)
      ?.replace(/^ERROR:\s*/, '');
    const why = (f?.error ?? buildxError ?? `buildx bake exit ${exitCode}`).trim();
    if (f?.tail.length)
      process.stderr.write(`---- last lines of the failing step ----\n${f.tail.slice(-20).join('\n')}\n----\n`);
    if (f?.image && f.step)
      return new KfcError(`build of ${f.image} failed at step ${f.step}: ${why}`, {
        where: step ? `${step.origin.file}:${step.origin.line}` : `output/${f.image}/Dockerfile`,
        hint: `see ${this.logFile}`,
        exitCode: 1,
      });
    return new KfcError(`build of ${f?.image ?? this.nodes.map((n) => n.name).join(', ')} failed: ${why}`, {
      where: this.bakeFile,
      hint: `see ${this.logFile}`,
      exitCode: 1,
    });
  }

  private async results(
    seconds: number,
    exported: Map<string, number>,
    metadata: BakeMetadata,
  ): Promise<BuildResult[]> {
    const { ctx } = this;
    const loaded = ctx.load ?? !ctx.push;
    const results: BuildResult[] = [];
    for (const plan of this.plans) {
      const ref = ctx.refs.refOf({ name: plan.image });
      const p = this.progress.get(plan.image)!;
      const info = loaded ? await ctx.engine.inspect(ref) : undefined;
      if (loaded && !info)
        throw new KfcError(`buildx bake succeeded but ${ref} is not in the engine`, { hint: `see ${this.logFile}` });
      const meta = metadata[targetName(plan.image)] ?? {};
      const own = plan.steps.filter((s) => s.keyword !== 'FROM').map((s) => s.index);
      const r: BuildResult = {
        image: plan.image,
        ref,
        seconds: exported.get(plan.image) ?? seconds,
        size: info?.size ?? 0,
        id: info?.id ?? meta['containerimage.config.digest'] ?? meta['containerimage.digest'] ?? '',
        cachedSteps: own.filter((k) => p.cached.has(k)).length,
        steps: plan.steps.length,
        logFile: this.logFile,
      };
      results.push(r);
      const where = loaded ? `${(r.size / 1e9).toFixed(2)} GB` : 'pushed';
      ctx.log(
        `kfc build: ${ref} built in ${r.seconds.toFixed(1)} s, ${where}, ${r.cachedSteps}/${own.length} steps cached`,
      );
    }
    return results;
  }
}

/** buildx's `--metadata-file`: per target, the image's digests. */
type BakeMetadata = Record<string, Record<string, string>>;

/** Missing or torn: nothing. */
function readMetadata(file: string): BakeMetadata {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BakeMetadata;
  } catch {
    return {};
  }
}
