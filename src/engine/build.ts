import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import type { BaseSpec } from '../catalog/schema.ts';
import type { SourceState } from '../catalog/sources.ts';
import { buildability } from '../catalog/sources.ts';
import { KfcError } from '../errors.ts';
import { generateImage, OUTPUT_DIR } from '../generate/generate.ts';
import { checkOutput } from '../generate/write.ts';
import { ciLog } from '../log/ci-log.ts';
import { indexSecret } from '../python/build.ts';
import { refuseStaleLocks } from '../python/check.ts';
import { defaultTag, imageRef, registryCache } from '../tags/tags.ts';
import type { MirrorArgs } from './apt-archives.ts';
import { ARCHIVES_ARG, type ArchiveChoice, archiveLabels, archivesArg, chooseArchives } from './apt-archives.ts';
import { prepareArtifacts } from './artifacts.ts';
import { basesOf, ensureBase } from './base.ts';
import { type BuildHistory, historyFile, readHistory, saveImageHistory } from './build-history.ts';
import { type BuildReporter, createReporter, type ProgressMode } from './build-reporter.ts';
import { buildTable } from './build-table.ts';
import { type BuildClient, findBuildClient, type ImageInfo, inspectImage, requireEngine } from './docker.ts';
import { recordImage, StepEstimator, stepKeys } from './estimate.ts';
import { type GitInfo, gitInfo } from './git.ts';
import { ImageProgress } from './image-progress.ts';
import { imageEstimate } from './progress-format.ts';
import { cleanupOnInterrupt } from './signals.ts';
import { gatherSourceState } from './sources.ts';
import { buildSteps, PlainProgress } from './steps.ts';

/** What a build asks of the engine: docker (BuildKit through the CLI) below, a fake in the unit tests. */
export interface BuildEngine {
  /** The BuildKit client, after checking an engine answers (one clear line when none does). */
  client(): Promise<BuildClient>;
  /** What this machine can reach (mirrors, indexes, artifacts, licensed media). */
  sources(catalog: Catalog, nodes: ImageNode[]): Promise<SourceState>;
  ensureBase(base: BaseSpec, log: (s: string) => void): Promise<{ created: boolean }>;
  /** Runs one build; every output line goes to onLine; resolves to the exit code. */
  build(client: BuildClient, args: string[], onLine: (line: string) => void): Promise<number>;
  inspect(ref: string): Promise<ImageInfo | undefined>;
  /** The Debian archive state a base's apt layers build from (src/engine/apt-archives.ts). */
  archives?(
    root: string,
    key: string,
    base: BaseSpec,
    opts: { refresh?: boolean; args: MirrorArgs },
  ): Promise<ArchiveChoice>;
}

const dockerBuildEngine: BuildEngine = {
  async client() {
    await requireEngine();
    return findBuildClient();
  },
  sources: (catalog, nodes) => gatherSourceState(catalog, nodes, { network: true }),
  ensureBase: (base, log) => ensureBase(base, { log }),
  async build(client, args, onLine) {
    const proc = execa(client.bin, args, { reject: false, all: true, env: { DOCKER_BUILDKIT: '1' }, buffer: false });
    const rl = createInterface({ input: proc.all! });
    const closed = new Promise<void>((r) => rl.once('close', () => r()));
    rl.on('line', onLine);
    const res = await proc;
    await closed;
    return res.exitCode ?? 1;
  },
  inspect: inspectImage,
  archives: (root, key, base, opts) => chooseArchives(root, key, base, opts),
};

export interface BuildOptions {
  /** The engine built on (default: the local Docker engine). */
  engine?: BuildEngine;
  repo?: string;
  tag?: string;
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
  caBundle?: string;
  /**
   * 'tty': a live status line per image with its step, bit, elapsed time and estimate; 'lines': one
   * timestamped line per step; 'plain': BuildKit's own output; 'quiet': start/end lines only;
   * 'auto' (default): tty on a terminal outside CI, lines otherwise.
   */
  progress?: ProgressMode;
  extraArgs?: string[];
  log?: (line: string) => void;
}

export interface BuildResult {
  image: string;
  ref: string;
  seconds: number;
  size: number;
  id: string;
  cachedSteps: number;
  steps: number;
  logFile: string;
}

export function logDir(catalog: Catalog): string {
  return join(catalog.root, '.kfc', 'logs');
}

/** OCI labels of a build: what it is and where it came from. */
export function ociLabels(
  node: ImageNode,
  git: GitInfo,
  version: string,
  optionalParts: string[],
): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': node.name,
    'org.opencontainers.image.description': node.spec.description,
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.created': new Date().toISOString(),
    'org.opencontainers.image.base.name': node.baseImage,
    'org.kfc.parent': node.parent?.name ?? '',
    'org.kfc.optional-parts': optionalParts.join(',') || 'none',
  };
  if (git.sha) labels['org.opencontainers.image.revision'] = git.sha;
  if (git.remote)
    labels['org.opencontainers.image.source'] = git.remote
      .replace(/^git@([^:]+):/, 'https://$1/')
      .replace(/\.git$/, '');
  return labels;
}

/** Refuses, before any work, when an image needs a source this machine lacks. */
export async function preflight(
  catalog: Catalog,
  nodes: ImageNode[],
  opts: { caBundle?: string; log: (s: string) => void; engine?: BuildEngine },
): Promise<Map<string, string[]>> {
  if (opts.caBundle && !(existsSync(opts.caBundle) && statSync(opts.caBundle).isFile())) {
    throw new KfcError(`--ca-bundle ${opts.caBundle} is not a readable file`, {
      hint: 'give the PEM bundle of your TLS-inspecting proxy, e.g. /etc/ssl/certs/ca-certificates.crt',
    });
  }
  const drift = checkOutput(catalog).filter((d) => nodes.some((n) => d.path.startsWith(`${OUTPUT_DIR}/${n.name}/`)));
  if (drift.length) {
    throw new KfcError(
      `output/ is out of sync for ${[...new Set(drift.map((d) => d.path.split('/')[1]))].join(', ')} ` +
        `(${drift[0]!.path} ${drift[0]!.kind})`,
      { hint: 'run kfc generate' },
    );
  }
  refuseStaleLocks(catalog, nodes);
  const state = await (opts.engine ?? dockerBuildEngine).sources(catalog, nodes);
  const skipped = new Map<string, string[]>();
  for (const n of nodes) {
    const b = buildability(catalog, n, state);
    if (!b.ok)
      throw new KfcError(
        `cannot build ${n.name}: ${b.missing[0]}${b.missing.length > 1 ? ` (and ${b.missing.length - 1} more)` : ''}`,
        { where: `images.yaml images.${n.name}.requires`, hint: 'provide the source, or build another image' },
      );
    for (const s of b.skipped) opts.log(`kfc build: ${n.name}: optional part left out: ${s}`);
    skipped.set(n.name, b.skipped);
  }
  return skipped;
}

/** Builds images parents-first through the docker CLI with BuildKit. */
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
  if (opts.registryCache && !(opts.repo ?? catalog.spec.registry.repo)) {
    throw new KfcError('--registry-cache needs a registry', {
      hint: 'pass --repo, or set registry.repo in images.yaml',
    });
  }
  const engine = opts.engine ?? dockerBuildEngine;
  const client = await engine.client();
  const ordered = catalog.order.filter((n) => nodes.includes(n));
  await preflight(catalog, ordered, { caBundle: opts.caBundle, log, engine });
  for (const base of basesOf(catalog, ordered)) {
    const r = await engine.ensureBase(base, log);
    if (r.created) log(`kfc build: root base ${base.image} was missing and has been created`);
  }
  const archives = await archiveState(catalog, ordered, engine, opts, log);
  const git = await gitInfo(catalog.root);
  const tag = defaultTag(git.branch, opts.tag);
  mkdirSync(logDir(catalog), { recursive: true });
  const results: BuildResult[] = [];
  const ci = ciLog();
  const historyPath = historyFile(catalog.root);
  const history = { file: historyPath, data: readHistory(historyPath) };
  for (const [i, node] of ordered.entries()) {
    const position = `${i + 1}/${ordered.length}`;
    const run = { position, reporter, history, grouped: ci.github, archives: archives.get(node.baseKey) };
    const one = () => buildOne(catalog, node, client, git, tag, opts, log, run);
    // On GitHub Actions each image is a collapsible log group; elsewhere a plain line.
    if (ci.github) results.push(await ci.group(`kfc build: [${position}] ${node.name}`, one));
    else results.push(await one());
  }
  if (opts.progress !== 'quiet' && results.length) log(buildTable(results));
  return results;
}

/** What one image's build shares with the family build: its place, the progress view, the step history. */
interface ImageRun {
  position: string;
  reporter: BuildReporter;
  history: { file: string; data: BuildHistory };
  /** Inside a GitHub log group, which already carries the title. */
  grouped: boolean;
  /** The Debian archive state of the image's base, when its Dockerfile declares KFC_APT_ARCHIVES. */
  archives?: ArchiveChoice;
}

/** Whether a generated Dockerfile declares build arg `name` (kfc passes only those it uses). */
function declares(dockerfile: string, name: string): boolean {
  return new RegExp(`^ARG ${name}(=|\\s|$)`, 'm').test(dockerfile);
}

/** The Debian archive state per base key, for the bases whose images declare KFC_APT_ARCHIVES. */
async function archiveState(
  catalog: Catalog,
  nodes: ImageNode[],
  engine: BuildEngine,
  opts: BuildOptions,
  log: (s: string) => void,
): Promise<Map<string, ArchiveChoice>> {
  const out = new Map<string, ArchiveChoice>();
  if (!engine.archives) return out;
  const args = opts.buildArgs ?? {};
  for (const node of nodes) {
    if (!node.base || out.has(node.baseKey)) continue;
    if (!declares(generateImage(catalog, node).dockerfile, ARCHIVES_ARG)) continue;
    const choice = await engine.archives(catalog.root, node.baseKey, node.base, {
      refresh: opts.refresh,
      args: { DEBIAN_MIRROR: args.DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR: args.DEBIAN_SECURITY_MIRROR },
    });
    out.set(node.baseKey, choice);
    const when = (a: { suite: string; date: string }) => `${a.suite} ${a.date}`;
    if (choice.moved.length)
      log(
        `kfc build: Debian archives moved: ${choice.moved.map(when).join(', ')}; ` +
          "foundation's apt layer and every later layer are built again",
      );
    else if (opts.refresh)
      log(`kfc build: Debian archives unchanged (${choice.archives.map(when).join(', ')}): the cache stays`);
  }
  return out;
}

async function buildOne(
  catalog: Catalog,
  node: ImageNode,
  client: BuildClient,
  git: GitInfo,
  tag: string,
  opts: BuildOptions,
  log: (s: string) => void,
  run: ImageRun,
): Promise<BuildResult> {
  const gen = generateImage(catalog, node);
  const steps = buildSteps(gen.dockerfile, gen.origins);
  const keys = stepKeys(steps);
  const estimator = new StepEstimator(keys, run.history.data.images[node.name]);
  // A GitHub log group already carries the title line.
  const estimate = imageEstimate(estimator);
  if (!run.grouped) log(`kfc build: [${run.position}] ${node.name}${estimate}`);
  else if (estimate) log(`kfc build: ${node.name}${estimate}`);
  const contextDir = join(catalog.root, OUTPUT_DIR, node.name);
  const artifacts = await prepareArtifacts(catalog, node, contextDir);
  // An interrupted build still removes its temporary context (it may hold licensed media).
  const release = cleanupOnInterrupt(() => artifacts.cleanup());
  const ref = imageRef(opts.repo ?? catalog.spec.registry.repo, node.name, tag);
  const labels = ociLabels(node, git, tag, artifacts.included);
  const args: string[] = client.mode === 'buildx' ? ['buildx', 'build', '--load'] : ['build'];
  args.push('--progress', 'plain', '-t', ref, '-f', join(contextDir, 'Dockerfile'));
  const aptArgs: Record<string, string> = {};
  if (run.archives && declares(gen.dockerfile, ARCHIVES_ARG)) {
    Object.assign(labels, archiveLabels(run.archives.archives));
    aptArgs[ARCHIVES_ARG] = archivesArg(run.archives.archives);
  }
  for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`);
  for (const [k, v] of Object.entries({ ...node.args, ...aptArgs, ...(opts.buildArgs ?? {}) }))
    args.push('--build-arg', `${k}=${v}`);
  if (opts.noCache) args.push('--no-cache');
  const repo = opts.repo ?? catalog.spec.registry.repo;
  const cache = registryCache(
    repo,
    node.chain.map((n) => n.name),
  );
  const fromRegistry = opts.registryCache ? cache.cacheFrom : [];
  const toRegistry = opts.registryCache === 'write' ? cache.cacheTo : [];
  for (const c of [...(opts.cacheFrom ?? []), ...fromRegistry]) args.push('--cache-from', c);
  for (const c of [...(opts.cacheTo ?? []), ...toRegistry]) args.push('--cache-to', c);
  // The CA bundle reaches RUNs only as a secret mount: never a file in the context or a layer.
  if (opts.caBundle) args.push('--secret', `id=ca,src=${opts.caBundle}`);
  // So does the Python index URL (it may carry credentials): secret "pip-index-url".
  const pipSecret = indexSecret(catalog, node);
  args.push(...pipSecret.args);
  if (artifacts.wheels)
    log(`  ${node.name}: Python wheelhouse: ${artifacts.wheels} wheels from the cache (installs with --no-index)`);
  else if (pipSecret.note) log(`  ${node.name}: ${pipSecret.note}`);
  args.push(...(opts.extraArgs ?? []), artifacts.contextDir);

  const logFile = join(logDir(catalog), `${node.name}.log`);
  const out = createWriteStream(logFile);
  out.write(`$ ${client.bin} ${args.join(' ')}\n`);
  const t0 = performance.now();
  const progress = new PlainProgress();
  const image = new ImageProgress(node.name, run.position, steps, estimator, t0);
  run.reporter.begin(image);
  const tail: string[] = [];
  const exitCode = await (opts.engine ?? dockerBuildEngine)
    .build(client, args, (line) => {
      out.write(line + '\n');
      tail.push(line);
      if (tail.length > 40) tail.shift();
      run.reporter.raw(line);
      const ev = progress.feed(line);
      if (ev.started || ev.cached || ev.done) {
        image.apply(ev, performance.now());
        run.reporter.event(ev);
      }
    })
    .finally(() => run.reporter.end());
  await new Promise<void>((r) => out.end(r));
  // The steps that ran feed the next build's estimates, even when this one failed.
  const entry = recordImage(run.history.data.images[node.name], keys, image.ran, new Date());
  const unsaved = saveImageHistory(run.history.file, run.history.data, node.name, entry);
  if (unsaved) log(`kfc build: ${unsaved}`);
  release();
  await artifacts.cleanup();
  pipSecret.cleanup();
  const seconds = (performance.now() - t0) / 1000;
  if (exitCode !== 0) {
    const s = progress.failedStep ? steps[progress.failedStep - 1] : undefined;
    const at = s ? `${s.origin.file}:${s.origin.line}` : `output/${node.name}/Dockerfile`;
    const why =
      tail
        .filter((l) => /ERROR|error:|failed/.test(l))
        .slice(-1)[0]
        ?.replace(/^#\d+ /, '') ?? `exit ${exitCode}`;
    process.stderr.write(`---- last lines of ${logFile} ----\n${tail.slice(-20).join('\n')}\n----\n`);
    throw new KfcError(`build of ${node.name} failed at step ${progress.failedStep ?? '?'}: ${why.trim()}`, {
      where: at,
      hint: `see ${logFile}`,
      exitCode: 1,
    });
  }
  const info = await (opts.engine ?? dockerBuildEngine).inspect(ref);
  const result: BuildResult = {
    image: node.name,
    ref,
    seconds,
    size: info?.size ?? 0,
    id: info?.id ?? '',
    cachedSteps: progress.cached,
    steps: progress.total,
    logFile,
  };
  log(
    `kfc build: ${ref} built in ${seconds.toFixed(1)} s, ${(result.size / 1e9).toFixed(2)} GB, ` +
      `${result.cachedSteps}/${result.steps} steps cached`,
  );
  return result;
}
