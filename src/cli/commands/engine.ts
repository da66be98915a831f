import type { Command } from 'commander';
import { execa } from 'execa';
import { statfsSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KfcError } from '../../errors.ts';
import type { Catalog, ImageNode } from '../../catalog/model.ts';
import { ensureBase } from '../../engine/base.ts';
import { buildImages, defaultTag } from '../../engine/build.ts';
import { dockerBin, findBuildClient, requireEngine, docker } from '../../engine/docker.ts';
import { gitInfo } from '../../engine/git.ts';
import { applyTags, contentFacts, pull, pushAllTags } from '../../engine/registry.ts';
import { runDev } from '../../engine/dev.ts';
import { fetchArtifact, vendorsOf, artifactCacheDir } from '../../engine/artifacts.ts';
import { normaliseRepo, type TagPlan } from '../../tags/tags.ts';
import { suiteFiles } from '../../testing/suites.ts';
import { catalogFor, collect, printJson, repoRoot, wantsJson } from '../context.ts';
import { selectNodes } from './catalog.ts';
import { gatherSourceState } from '../../engine/sources.ts';
import { buildability } from '../../catalog/sources.ts';
import { fetchImageWheels } from '../../python/cli.ts';

function parseArgs(list: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new KfcError(`--build-arg "${kv}" is not KEY=VALUE`, { hint: 'e.g. --build-arg DEBIAN_MIRROR=http://mirror.example/debian' });
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

function withoutTestContext(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0] !== 'NODE_TEST_CONTEXT' && e[1] !== undefined));
}

function oneImage(catalog: Catalog, name: string): ImageNode {
  return selectNodes(catalog, [name])[0]!;
}

/** repo/image:tag of an image as kfc builds it (REPO + IMAGE:TAG, TAG = branch by default). */
async function refOf(catalog: Catalog, node: ImageNode, opts: { repo?: string; tag?: string }) {
  const git = await gitInfo(catalog.root);
  const repo = normaliseRepo(opts.repo ?? catalog.spec.registry.repo);
  return { git, repo, target: `${repo}${node.name}`, ref: `${repo}${node.name}:${defaultTag(git, opts.tag)}` };
}

export function registerEngineCommands(program: Command): void {
  program
    .command('base')
    .description('create the root base image(s) with mmdebstrap + docker import (skips when present)')
    .option('--force', 'rebuild even when present')
    .option('--json', 'machine-readable output')
    .action(async (opts: { force?: boolean }, cmd: Command) => {
      const catalog = catalogFor(cmd, { readFiles: false });
      const keys = [...new Set(catalog.order.map((n) => n.baseKey))].filter((k) => catalog.spec.bases[k]);
      const results = [];
      for (const k of keys) {
        const r = await ensureBase(catalog.spec.bases[k]!, { force: opts.force });
        if (!r.created && !wantsJson(cmd)) process.stdout.write(`${r.image} is present (use --force to rebuild)\n`);
        results.push(r);
      }
      if (wantsJson(cmd)) printJson(results);
    });

  program
    .command('build')
    .description('build images with BuildKit, parents first')
    .argument('[images...]')
    .option('--all', 'build every image that can be built here (published and internal)')
    .option('--repo <repo>', 'registry/namespace prefix (REPO)')
    .option('--tag <tag>', 'tag (default: the git branch)')
    .option('--build-arg <k=v>', 'build argument (repeatable)', collect)
    .option('--no-cache', 'do not use the layer cache')
    .option('--cache-from <ref>', 'cache source (repeatable)', collect)
    .option('--cache-to <ref>', 'cache export (buildx only, repeatable)', collect)
    .option('--ca-bundle <file>', 'CA bundle for a TLS-inspecting proxy, given to RUNs as a secret (never in a layer)')
    .option('--progress <mode>', 'auto | plain | quiet', 'auto')
    .option('--docker-arg <arg>', 'extra docker build argument (repeatable; the seed\'s DARGS)', collect)
    .option('--json', 'machine-readable result')
    .action(async (images: string[], opts: { all?: boolean; repo?: string; tag?: string; buildArg?: string[]; cache?: boolean; cacheFrom?: string[]; cacheTo?: string[]; caBundle?: string; progress: string; dockerArg?: string[] }, cmd: Command) => {
      const catalog = catalogFor(cmd);
      if (!opts.all && images.length === 0) throw new KfcError('name the images to build, or pass --all', { hint: `images: ${catalog.order.map((n) => n.name).join(', ')}` });
      if (!['auto', 'plain', 'quiet'].includes(opts.progress)) throw new KfcError(`--progress ${opts.progress} is not auto, plain or quiet`);
      let nodes = opts.all ? catalog.order : selectNodes(catalog, images);
      if (opts.all) {
        // --all builds what this machine can build and says precisely what it leaves out.
        const state = await gatherSourceState(catalog, nodes, { network: true });
        nodes = nodes.filter((n) => {
          const b = buildability(catalog, n, state);
          if (!b.ok) process.stderr.write(`kfc build: skipping ${n.name}: ${b.missing.join('; ')}\n`);
          return b.ok;
        });
      }
      const results = await buildImages(catalog, nodes, {
        repo: opts.repo,
        tag: opts.tag,
        buildArgs: parseArgs(opts.buildArg),
        noCache: opts.cache === false,
        cacheFrom: opts.cacheFrom,
        cacheTo: opts.cacheTo,
        caBundle: opts.caBundle ?? process.env.KFC_CA_BUNDLE,
        progress: opts.progress as 'auto' | 'plain' | 'quiet',
        extraArgs: opts.dockerArg,
      });
      if (wantsJson(cmd)) printJson(results);
    });

  program
    .command('tag')
    .description('add the SHA, SHORT_SHA, branch (and latest/v1, dev, content) tags to a built image')
    .argument('<image>')
    .option('--repo <repo>', 'registry/namespace prefix (REPO)')
    .option('--tag <tag>', 'the tag it was built with (default: the git branch)')
    .option('--source <ref>', 'tag this existing image under the catalog name (SOURCE_FULL_IMAGE_NAME)')
    .option('--release', 'also latest and v1 (default: on the main/master branch in CI)')
    .option('--dev', 'also dev (for the dev registry)')
    .option('--no-content', 'skip content tags (python-x.y.z, lab-x.y, r-x.y, torch-x.y, date)')
    .option('--json', 'print the tag list as JSON')
    .action(async (image: string, opts: { repo?: string; tag?: string; source?: string; release?: boolean; dev?: boolean; content: boolean }, cmd: Command) => {
      const catalog = catalogFor(cmd, { readFiles: false });
      const node = oneImage(catalog, image);
      await requireEngine();
      const { git, target, ref } = await refOf(catalog, node, opts);
      const source = opts.source || ref;
      const onMain = ['main', 'master'].includes(git.branch ?? '') && process.env.CI === 'true';
      const plan: TagPlan = { sha: git.sha, branch: git.branch, release: opts.release ?? onMain, dev: opts.dev, extra: opts.tag ? [opts.tag] : [] };
      if (opts.content) {
        plan.content = await contentFacts(source);
        plan.date = new Date();
      }
      const refs = await applyTags(source, target, plan);
      if (wantsJson(cmd)) printJson({ source, tags: refs.map((r) => r.slice(target.length + 1)), refs });
      else process.stdout.write(refs.join('\n') + '\n');
    });

  program
    .command('push')
    .description('push every tag of an image (docker push --all-tags)')
    .argument('<image>')
    .option('--repo <repo>', 'registry/namespace prefix (REPO)')
    .option('--retries <n>', 'retries on transient network errors', '3')
    .option('--json', 'machine-readable output')
    .action(async (image: string, opts: { repo?: string; retries: string }, cmd: Command) => {
      const catalog = catalogFor(cmd, { readFiles: false });
      const node = oneImage(catalog, image);
      await requireEngine();
      const { target } = await refOf(catalog, node, opts);
      const t0 = Date.now();
      const tags = await pushAllTags(target, Number(opts.retries));
      const seconds = (Date.now() - t0) / 1000;
      if (wantsJson(cmd)) printJson({ pushed: tags, seconds });
      else process.stdout.write(`pushed ${tags.length} tag(s) of ${target} in ${seconds.toFixed(1)} s\n`);
    });

  program
    .command('pull')
    .description('pull an image by tag')
    .argument('<image>')
    .option('--repo <repo>', 'registry/namespace prefix (REPO)')
    .option('--tag <tag>', 'tag (default: the git branch)')
    .option('--retries <n>', 'retries on transient network errors', '3')
    .option('--json', 'machine-readable output')
    .action(async (image: string, opts: { repo?: string; tag?: string; retries: string }, cmd: Command) => {
      const catalog = catalogFor(cmd, { readFiles: false });
      const node = oneImage(catalog, image);
      await requireEngine();
      const { ref } = await refOf(catalog, node, opts);
      const t0 = Date.now();
      const id = await pull(ref, Number(opts.retries));
      const seconds = (Date.now() - t0) / 1000;
      if (wantsJson(cmd)) printJson({ ref, id, seconds });
      else process.stdout.write(`pulled ${ref} (${id.slice(7, 19)}) in ${seconds.toFixed(1)} s\n`);
    });

  program
    .command('dev')
    .description('run an image locally on 127.0.0.1 with a token, print the URL, remove it on Ctrl-C')
    .argument('<image>')
    .option('--repo <repo>', 'registry/namespace prefix (REPO)')
    .option('--tag <tag>', 'tag (default: the git branch)')
    .option('--image-ref <ref>', 'run this reference instead of REPO/IMAGE:TAG')
    .option('--port <port>', 'host port (default: a free one)')
    .option('--prefix <path>', 'NB_PREFIX (default /notebook/<user>/<image>)')
    .option('--no-token', 'no token (anyone on this machine can open it)')
    .option('--home <dir>', 'mount this host folder as /home/jovyan')
    .option('--docker-arg <arg>', 'extra docker run argument (repeatable; DARGS)', collect)
    .option('--build', 'build the image (and the root base) first')
    .option('--ca-bundle <file>', 'with --build: CA bundle of a TLS-inspecting proxy')
    .action(async (image: string, opts: { repo?: string; tag?: string; imageRef?: string; port?: string; prefix?: string; token: boolean; home?: string; dockerArg?: string[]; build?: boolean; caBundle?: string }, cmd: Command) => {
      const catalog = catalogFor(cmd, { readFiles: Boolean(opts.build) });
      const node = oneImage(catalog, image);
      const { ref } = await refOf(catalog, node, opts);
      if (opts.build) await buildImages(catalog, [node], { repo: opts.repo, tag: opts.tag, caBundle: opts.caBundle ?? process.env.KFC_CA_BUNDLE });
      if (opts.port !== undefined && !/^\d+$/.test(opts.port)) throw new KfcError(`--port ${opts.port} is not a number`);
      process.exitCode = await runDev({
        ref: opts.imageRef ?? ref,
        image: node.name,
        port: opts.port ? Number(opts.port) : undefined,
        prefix: opts.prefix ?? process.env.NB_PREFIX,
        token: opts.token,
        home: opts.home,
        ready: node.spec.test.ready,
        extraArgs: opts.dockerArg,
      });
    });

  program
    .command('test')
    .description('run general, inherited and per-image test suites against running containers')
    .argument('<images...>')
    .option('--repo <repo>', 'registry/namespace prefix (REPO)')
    .option('--tag <tag>', 'tag (default: the git branch)')
    .option('--image-ref <ref>', 'test this reference (single image)')
    .option('--prefix <path>', 'NB_PREFIX for the containers (default: random /notebook/<ns>/<name>)')
    .option('--only <pattern>', 'run only tests whose name matches')
    .option('--json', 'write results as JSON to reports/tests.json')
    .action(async (images: string[], opts: { repo?: string; tag?: string; imageRef?: string; prefix?: string; only?: string }, cmd: Command) => {
      const catalog = catalogFor(cmd, { readFiles: false });
      const nodes = selectNodes(catalog, images);
      await requireEngine();
      let failed = 0;
      const results: Record<string, { ok: boolean; files: string[]; at: string }> = {};
      for (const node of nodes) {
        const { ref } = await refOf(catalog, node, opts);
        const image = opts.imageRef ?? ref;
        const files = suiteFiles(catalog.root, node);
        if (files.length === 0) throw new KfcError(`no test suites for ${node.name}`, { hint: `add tests under tests/images/${node.name}/` });
        const present = await docker(['image', 'inspect', '--format', '{{.Id}}', image]);
        if (present.failed) throw new KfcError(`image ${image} is not in the local store`, { hint: `kfc build ${node.name} (or kfc pull)` });
        process.stderr.write(`kfc test: ${node.name} (${image}): ${files.length} file(s)\n`);
        const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec'];
        if (opts.only) args.push('--test-name-pattern', opts.only);
        const res = await execa(process.execPath, [...args, ...files], {
          cwd: catalog.root,
          reject: false,
          stdio: 'inherit',
          // A fresh test run even when kfc test itself runs inside node:test (NODE_TEST_CONTEXT).
          extendEnv: false,
          env: { ...withoutTestContext(process.env), KFC_TEST_IMAGE: image, KFC_TEST_NAME: node.name, KFC_TEST_READY: node.spec.test.ready, ...(opts.prefix ? { KFC_TEST_PREFIX: opts.prefix } : {}), TESTCONTAINERS_RYUK_DISABLED: 'true' },
        });
        results[node.name] = { ok: res.exitCode === 0, files, at: new Date().toISOString() };
        if (res.exitCode !== 0) failed++;
      }
      if (wantsJson(cmd)) {
        const { mkdirSync, writeFileSync } = await import('node:fs');
        mkdirSync(join(catalog.root, 'reports'), { recursive: true });
        const file = join(catalog.root, 'reports', 'tests.json');
        const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as object) : {};
        writeFileSync(file, JSON.stringify({ ...prev, ...results }, null, 2) + '\n');
      }
      if (failed) throw new KfcError(`${failed} of ${nodes.length} image(s) failed their tests`, { exitCode: 1, hint: 'see the test output above' });
    });

  program
    .command('fetch')
    .description('download the vendor artifacts and locked Python wheels of images into the artifact cache, hash-checked')
    .argument('[images...]')
    .option('--json', 'machine-readable output')
    .action(async (images: string[], _opts, cmd: Command) => {
      const catalog = catalogFor(cmd, { readFiles: false });
      const nodes = selectNodes(catalog, images);
      const cache = artifactCacheDir(catalog);
      const seen = new Set<string>();
      const results: Awaited<ReturnType<typeof fetchArtifact>>[] = [];
      const errors: string[] = [];
      for (const v of nodes.flatMap(vendorsOf)) {
        if (seen.has(v.name)) continue;
        seen.add(v.name);
        try {
          const r = await fetchArtifact(cache, v);
          results.push(r);
          if (!wantsJson(cmd)) process.stdout.write(`${r.status.padEnd(10)} ${v.name} ${r.path} (${r.bytes} bytes)\n`);
        } catch (e) {
          if (!(e instanceof KfcError)) throw e;
          errors.push(e.line());
          if (!v.optional) process.stderr.write(e.line() + '\n');
          else process.stderr.write(`kfc: notice: optional artifact ${v.name} not fetched: ${e.message}\n`);
        }
      }
      // The Python wheelhouse: every locked wheel of the images (their ancestors' locks included).
      const wheels = await fetchImageWheels(catalog, nodes, cache, { json: wantsJson(cmd) });
      if (wantsJson(cmd)) printJson({ cache, results, errors, wheels });
      if (results.length + errors.length + wheels.length === 0 && !wantsJson(cmd)) process.stdout.write('no vendor artifacts or python locks declared\n');
      const requiredFailed = errors.length && nodes.flatMap(vendorsOf).some((v) => !v.optional && !results.find((r) => r.name === v.name));
      if (requiredFailed) process.exitCode = 1;
    });

  program
    .command('doctor')
    .description('check engine, client, BuildKit, disk, base tools and registry login, with fixes')
    .option('--json', 'machine-readable output')
    .action(async (_opts, cmd: Command) => {
      const root = repoRoot(cmd);
      const checks: { name: string; ok: boolean; detail: string; fix?: string }[] = [];
      const add = (name: string, ok: boolean, detail: string, fix?: string) => checks.push({ name, ok, detail, fix: ok ? undefined : fix });
      try {
        add('engine', true, `Docker engine ${await requireEngine()}`);
      } catch (e) {
        add('engine', false, (e as Error).message, 'scripts/provision.sh');
      }
      try {
        const c = await findBuildClient();
        add('buildkit', true, `${c.bin} ${c.clientVersion} (${c.mode === 'buildx' ? 'buildx' : 'built-in BuildKit'})`);
      } catch (e) {
        add('buildkit', false, (e as Error).message, 'install docker.io or the buildx plugin');
      }
      const mm = await execa('mmdebstrap', ['--version'], { reject: false });
      add('mmdebstrap', !mm.failed, mm.failed ? 'not installed' : mm.stdout.trim(), 'apt-get install mmdebstrap');
      try {
        const fs = statfsSync(existsSync('/var/lib/docker') ? '/var/lib/docker' : root);
        const free = (fs.bavail * fs.bsize) / 1e9;
        add('disk', free > 20, `${free.toFixed(0)} GB free for images`, 'free at least 20 GB (docker system prune)');
      } catch {
        add('disk', false, 'could not read free space', 'check the docker data root');
      }
      const cfgPath = join(process.env.DOCKER_CONFIG ?? join(process.env.HOME ?? '/root', '.docker'), 'config.json');
      let logins: string[] = [];
      if (existsSync(cfgPath)) {
        try {
          logins = Object.keys((JSON.parse(readFileSync(cfgPath, 'utf8')) as { auths?: object }).auths ?? {});
        } catch {
          // unreadable config counts as no login
        }
      }
      let repo = '';
      try {
        repo = catalogFor(cmd, { readFiles: false }).spec.registry.repo;
      } catch {
        // doctor still works without a catalog
      }
      const registry = repo.split('/')[0] ?? '';
      if (registry) add('registry login', logins.includes(registry), logins.length ? `logged in to ${logins.join(', ')}` : 'not logged in to any registry', `docker login ${registry}`);
      else add('registry login', true, logins.length ? `logged in to ${logins.join(', ')}` : 'no registry configured (registry.repo in images.yaml); nothing to log in to');
      add('docker client', true, dockerBin());
      if (wantsJson(cmd)) printJson(checks);
      else for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(15)} ${c.detail}${c.fix ? `  → fix: ${c.fix}` : ''}\n`);
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
    });
}
