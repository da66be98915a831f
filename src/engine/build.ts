import { execa } from 'execa';
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { KfcError } from '../errors.ts';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { buildability } from '../catalog/sources.ts';
import { generateImage, OUTPUT_DIR } from '../generate/generate.ts';
import { checkOutput } from '../generate/write.ts';
import { imageRef } from '../tags/tags.ts';
import { ensureBase } from './base.ts';
import { findBuildClient, inspectImage, requireEngine } from './docker.ts';
import { gitInfo, type GitInfo } from './git.ts';
import { gatherSourceState } from './sources.ts';
import { buildSteps, PlainProgress } from './steps.ts';
import { prepareArtifacts } from './artifacts.ts';
import { ciLog } from '../publish/ci-log.ts';
import { refuseStaleLocks } from '../python/check.ts';
import { indexSecret } from '../python/build.ts';

export interface BuildOptions {
  repo?: string;
  tag?: string;
  buildArgs?: Record<string, string>;
  noCache?: boolean;
  cacheFrom?: string[];
  cacheTo?: string[];
  caBundle?: string;
  /** 'auto': one line per step; 'plain': BuildKit's own output; 'quiet': start/end lines only. */
  progress?: 'auto' | 'plain' | 'quiet';
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
export function ociLabels(node: ImageNode, git: GitInfo, version: string, optionalParts: string[]): Record<string, string> {
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
  if (git.remote) labels['org.opencontainers.image.source'] = git.remote.replace(/^git@([^:]+):/, 'https://$1/').replace(/\.git$/, '');
  return labels;
}

/** Default tag: --tag, else the branch (the seed's habit), else "dev-local". */
export function defaultTag(git: GitInfo, tag?: string): string {
  if (tag) return tag;
  if (git.branch) return git.branch.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[.-]+/, '') || 'dev-local';
  return 'dev-local';
}

/** Refuses, before any work, when an image needs a source this machine lacks. */
export async function preflight(catalog: Catalog, nodes: ImageNode[], opts: { caBundle?: string; log: (s: string) => void }): Promise<Map<string, string[]>> {
  if (opts.caBundle && !(existsSync(opts.caBundle) && statSync(opts.caBundle).isFile())) {
    throw new KfcError(`--ca-bundle ${opts.caBundle} is not a readable file`, { hint: 'give the PEM bundle of your TLS-inspecting proxy, e.g. /etc/ssl/certs/ca-certificates.crt' });
  }
  const drift = checkOutput(catalog).filter((d) => nodes.some((n) => d.path.startsWith(`${OUTPUT_DIR}/${n.name}/`)));
  if (drift.length) {
    throw new KfcError(`output/ is out of sync for ${[...new Set(drift.map((d) => d.path.split('/')[1]))].join(', ')} (${drift[0]!.path} ${drift[0]!.kind})`, { hint: 'run kfc generate' });
  }
  refuseStaleLocks(catalog, nodes);
  const state = await gatherSourceState(catalog, nodes, { network: true });
  const skipped = new Map<string, string[]>();
  for (const n of nodes) {
    const b = buildability(catalog, n, state);
    if (!b.ok) throw new KfcError(`cannot build ${n.name}: ${b.missing[0]}${b.missing.length > 1 ? ` (and ${b.missing.length - 1} more)` : ''}`, { where: `images.yaml images.${n.name}.requires`, hint: 'provide the source, or build another image' });
    for (const s of b.skipped) opts.log(`kfc build: ${n.name}: optional part left out: ${s}`);
    skipped.set(n.name, b.skipped);
  }
  return skipped;
}

/** Builds images parents-first through the docker CLI with BuildKit. */
export async function buildImages(catalog: Catalog, nodes: ImageNode[], opts: BuildOptions = {}): Promise<BuildResult[]> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  await requireEngine();
  const client = await findBuildClient();
  const ordered = catalog.order.filter((n) => nodes.includes(n));
  await preflight(catalog, ordered, { caBundle: opts.caBundle, log });
  for (const key of new Set(ordered.map((n) => n.baseKey))) {
    const base = catalog.spec.bases[key];
    if (base) {
      const r = await ensureBase(base, { log });
      if (r.created) log(`kfc build: root base ${base.image} was missing and has been created`);
    }
  }
  const git = await gitInfo(catalog.root);
  const tag = defaultTag(git, opts.tag);
  mkdirSync(logDir(catalog), { recursive: true });
  const results: BuildResult[] = [];
  const ci = ciLog();
  for (const [i, node] of ordered.entries()) {
    const title = `kfc build: [${i + 1}/${ordered.length}] ${node.name}`;
    // On GitHub Actions each image is a collapsible log group; elsewhere a plain line.
    if (ci.github) results.push(await ci.group(title, () => buildOne(catalog, node, client, git, tag, opts, log)));
    else {
      log(title);
      results.push(await buildOne(catalog, node, client, git, tag, opts, log));
    }
  }
  return results;
}

async function buildOne(catalog: Catalog, node: ImageNode, client: { bin: string; mode: 'builtin' | 'buildx' }, git: GitInfo, tag: string, opts: BuildOptions, log: (s: string) => void): Promise<BuildResult> {
  const gen = generateImage(catalog, node);
  const steps = buildSteps(gen.dockerfile, gen.origins);
  const contextDir = join(catalog.root, OUTPUT_DIR, node.name);
  const artifacts = await prepareArtifacts(catalog, node, contextDir);
  // An interrupted build still removes its temporary context (it may hold licensed media).
  const onSignal = (signal: NodeJS.Signals) => {
    void artifacts.cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const ref = imageRef(opts.repo ?? catalog.spec.registry.repo, node.name, tag);
  const labels = ociLabels(node, git, tag, artifacts.included);
  const args: string[] = client.mode === 'buildx' ? ['buildx', 'build', '--load'] : ['build'];
  args.push('--progress', 'plain', '-t', ref, '-f', join(contextDir, 'Dockerfile'));
  for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`);
  for (const [k, v] of Object.entries({ ...node.args, ...(opts.buildArgs ?? {}) })) args.push('--build-arg', `${k}=${v}`);
  if (opts.noCache) args.push('--no-cache');
  for (const c of opts.cacheFrom ?? []) args.push('--cache-from', c);
  for (const c of opts.cacheTo ?? []) args.push('--cache-to', c);
  // The CA bundle reaches RUNs only as a secret mount: never a file in the context or a layer.
  if (opts.caBundle) args.push('--secret', `id=ca,src=${opts.caBundle}`);
  // So does the Python index URL (it may carry credentials): secret "pip-index-url".
  const pipSecret = indexSecret(catalog, node);
  args.push(...pipSecret.args);
  if (artifacts.wheels) log(`  ${node.name}: Python wheelhouse: ${artifacts.wheels} wheels from the cache (installs with --no-index)`);
  else if (pipSecret.note) log(`  ${node.name}: ${pipSecret.note}`);
  args.push(...(opts.extraArgs ?? []), artifacts.contextDir);

  const logFile = join(logDir(catalog), `${node.name}.log`);
  const out = createWriteStream(logFile);
  out.write(`$ ${client.bin} ${args.join(' ')}\n`);
  const t0 = performance.now();
  const proc = execa(client.bin, args, { reject: false, all: true, env: { DOCKER_BUILDKIT: '1' }, buffer: false });
  const progress = new PlainProgress();
  const tail: string[] = [];
  const rl = createInterface({ input: proc.all! });
  const closed = new Promise<void>((r) => rl.once('close', () => r()));
  rl.on('line', (line) => {
    out.write(line + '\n');
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (opts.progress === 'plain') return log(line);
    const ev = progress.feed(line);
    if (ev.started && opts.progress !== 'quiet') {
      const s = steps[ev.started - 1];
      const at = s ? `${s.origin.file}${s.origin.line ? `:${s.origin.line}` : ''}` : '';
      log(`  ${node.name}: step ${ev.started}/${progress.total} ${s?.keyword ?? ''} ${at}`);
    }
  });
  const res = await proc;
  await closed;
  await new Promise<void>((r) => out.end(r));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await artifacts.cleanup();
  pipSecret.cleanup();
  const seconds = (performance.now() - t0) / 1000;
  if (res.exitCode !== 0) {
    const s = progress.failedStep ? steps[progress.failedStep - 1] : undefined;
    const at = s ? `${s.origin.file}:${s.origin.line}` : `output/${node.name}/Dockerfile`;
    const why = tail.filter((l) => /ERROR|error:|failed/.test(l)).slice(-1)[0]?.replace(/^#\d+ /, '') ?? `exit ${res.exitCode}`;
    process.stderr.write(`---- last lines of ${logFile} ----\n${tail.slice(-20).join('\n')}\n----\n`);
    throw new KfcError(`build of ${node.name} failed at step ${progress.failedStep ?? '?'}: ${why.trim()}`, { where: at, hint: `see ${logFile}`, exitCode: 1 });
  }
  const info = await inspectImage(ref);
  const result: BuildResult = { image: node.name, ref, seconds, size: info?.size ?? 0, id: info?.id ?? '', cachedSteps: progress.cached, steps: progress.total, logFile };
  log(`kfc build: ${ref} built in ${seconds.toFixed(1)} s, ${(result.size / 1e9).toFixed(2)} GB, ${result.cachedSteps}/${result.steps} steps cached`);
  return result;
}
