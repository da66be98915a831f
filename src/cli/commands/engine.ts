import type { Command } from 'commander';
import type { Catalog, ImageNode } from '../../catalog/model.ts';
import { buildability } from '../../catalog/sources.ts';
import { fetchArtifacts } from '../../engine/artifacts.ts';
import { ensureBase } from '../../engine/base.ts';
import { buildImages } from '../../engine/build.ts';
import { PROGRESS_MODES, type ProgressMode } from '../../engine/build-reporter.ts';
import { runDev } from '../../engine/dev.ts';
import { requireEngine } from '../../engine/docker.ts';
import { doctor } from '../../engine/doctor.ts';
import { resolveRefs } from '../../engine/refs.ts';
import { applyTags, contentFacts, pull, pushAllTags } from '../../engine/registry.ts';
import { gatherSourceState } from '../../engine/sources.ts';
import { KfcError } from '../../errors.ts';
import { fetchImageWheels } from '../../python/cli.ts';
import type { TagPlan } from '../../tags/tags.ts';
import { recordResults, runSuites } from '../../testing/run.ts';
import { catalogFor, parseBuildArgs, printJson, repeatable, repoRoot, wantsJson } from '../context.ts';
import { selectNodes } from './catalog.ts';

function registryCacheMode(mode: string | undefined): 'read' | 'write' | undefined {
  if (mode === undefined || mode === 'read' || mode === 'write') return mode;
  throw new KfcError(`--registry-cache ${mode} is not read or write`, {
    hint: 'read imports the cache, write also exports it',
  });
}

function oneImage(catalog: Catalog, name: string): ImageNode {
  return selectNodes(catalog, [name])[0]!;
}

/** repo/image:tag of an image as kfc builds it (REPO + IMAGE:TAG, TAG = branch by default). */
async function refOf(catalog: Catalog, node: ImageNode, opts: { repo?: string; tag?: string }) {
  const r = await resolveRefs(catalog, opts);
  return { git: r.git, target: r.repositoryOf(node), ref: r.refOf(node) };
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
    .option('--build-arg <k=v>', 'build argument (repeatable)', repeatable)
    .option('--no-cache', 'do not use the layer cache')
    .option('--cache-from <ref>', 'cache source (repeatable)', repeatable)
    .option('--cache-to <ref>', 'cache export (buildx only, repeatable)', repeatable)
    .option('--registry-cache <mode>', 'registry cache at REPO/IMAGE:buildcache (as bake): read, or write (buildx)')
    .option('--ca-bundle <file>', 'CA bundle for a TLS-inspecting proxy, given to RUNs as a secret (never in a layer)')
    .option(
      '--progress <mode>',
      'auto (a live view on a terminal, timestamped lines in CI or a pipe) | tty | lines | plain (BuildKit) | quiet',
      'auto',
    )
    .option('--docker-arg <arg>', "extra docker build argument (repeatable; the seed's DARGS)", repeatable)
    .option('--json', 'machine-readable result')
    .action(
      async (
        images: string[],
        opts: {
          all?: boolean;
          repo?: string;
          tag?: string;
          buildArg?: string[];
          cache?: boolean;
          cacheFrom?: string[];
          cacheTo?: string[];
          registryCache?: string;
          caBundle?: string;
          progress: string;
          dockerArg?: string[];
        },
        cmd: Command,
      ) => {
        const catalog = catalogFor(cmd);
        if (!opts.all && images.length === 0)
          throw new KfcError('name the images to build, or pass --all', {
            hint: `images: ${catalog.order.map((n) => n.name).join(', ')}`,
          });
        if (!(PROGRESS_MODES as string[]).includes(opts.progress))
          throw new KfcError(`--progress ${opts.progress} is not one of ${PROGRESS_MODES.join(', ')}`);
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
          buildArgs: parseBuildArgs(opts.buildArg),
          noCache: opts.cache === false,
          cacheFrom: opts.cacheFrom,
          cacheTo: opts.cacheTo,
          registryCache: registryCacheMode(opts.registryCache),
          caBundle: opts.caBundle ?? process.env.KFC_CA_BUNDLE,
          progress: opts.progress as ProgressMode,
          extraArgs: opts.dockerArg,
        });
        if (wantsJson(cmd)) printJson(results);
      },
    );

  program
    .command('ref')
    .description('print the reference kfc builds and looks for: REPO/IMAGE:TAG (TAG = the git branch by default)')
    .argument('<image>')
    .option('--repo <repo>', 'registry/namespace prefix (REPO)')
    .option('--tag <tag>', 'tag (default: the git branch)')
    .action(async (image: string, opts: { repo?: string; tag?: string }, cmd: Command) => {
      const catalog = catalogFor(cmd, { readFiles: false });
      const { ref } = await refOf(catalog, oneImage(catalog, image), opts);
      process.stdout.write(`${ref}\n`);
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
    .action(
      async (
        image: string,
        opts: { repo?: string; tag?: string; source?: string; release?: boolean; dev?: boolean; content: boolean },
        cmd: Command,
      ) => {
        const catalog = catalogFor(cmd, { readFiles: false });
        const node = oneImage(catalog, image);
        await requireEngine();
        const { git, target, ref } = await refOf(catalog, node, opts);
        const source = opts.source || ref;
        const onMain = ['main', 'master'].includes(git.branch ?? '') && process.env.CI === 'true';
        const plan: TagPlan = {
          sha: git.sha,
          branch: git.branch,
          release: opts.release ?? onMain,
          dev: opts.dev,
          extra: opts.tag ? [opts.tag] : [],
        };
        if (opts.content) {
          plan.content = await contentFacts(source);
          plan.date = new Date();
        }
        const refs = await applyTags(source, target, plan);
        if (wantsJson(cmd)) printJson({ source, tags: refs.map((r) => r.slice(target.length + 1)), refs });
        else process.stdout.write(refs.join('\n') + '\n');
      },
    );

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
    .option('--docker-arg <arg>', 'extra docker run argument (repeatable; DARGS)', repeatable)
    .option('--build', 'build the image (and the root base) first')
    .option('--ca-bundle <file>', 'with --build: CA bundle of a TLS-inspecting proxy')
    .action(
      async (
        image: string,
        opts: {
          repo?: string;
          tag?: string;
          imageRef?: string;
          port?: string;
          prefix?: string;
          token: boolean;
          home?: string;
          dockerArg?: string[];
          build?: boolean;
          caBundle?: string;
        },
        cmd: Command,
      ) => {
        const catalog = catalogFor(cmd, { readFiles: Boolean(opts.build) });
        const node = oneImage(catalog, image);
        const { ref } = await refOf(catalog, node, opts);
        if (opts.build)
          await buildImages(catalog, [node], {
            repo: opts.repo,
            tag: opts.tag,
            caBundle: opts.caBundle ?? process.env.KFC_CA_BUNDLE,
          });
        if (opts.port !== undefined && !/^\d+$/.test(opts.port))
          throw new KfcError(`--port ${opts.port} is not a number`);
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
      },
    );

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
    .action(
      async (
        images: string[],
        opts: { repo?: string; tag?: string; imageRef?: string; prefix?: string; only?: string },
        cmd: Command,
      ) => {
        const catalog = catalogFor(cmd, { readFiles: false });
        const nodes = selectNodes(catalog, images);
        await requireEngine();
        const refs = await resolveRefs(catalog, opts);
        const refOf = (n: ImageNode) => opts.imageRef ?? refs.refOf(n);
        const results = await runSuites(catalog, nodes, { refOf, prefix: opts.prefix, only: opts.only });
        if (wantsJson(cmd)) recordResults(catalog.root, results);
        const failed = Object.values(results).filter((r) => !r.ok).length;
        if (failed)
          throw new KfcError(`${failed} of ${nodes.length} image(s) failed their tests`, {
            exitCode: 1,
            hint: 'see the test output above',
          });
      },
    );

  program
    .command('fetch')
    .description(
      'download the vendor artifacts and locked Python wheels of images into the artifact cache, hash-checked',
    )
    .argument('[images...]')
    .option('--json', 'machine-readable output')
    .action(async (images: string[], _opts, cmd: Command) => {
      const catalog = catalogFor(cmd, { readFiles: false });
      const json = wantsJson(cmd);
      const nodes = selectNodes(catalog, images);
      const r = await fetchArtifacts(catalog, nodes, {
        onFetched: (f) =>
          json || process.stdout.write(`${f.status.padEnd(10)} ${f.name} ${f.path} (${f.bytes} bytes)\n`),
      });
      // The Python wheelhouse: every locked wheel of the images (their ancestors' locks included).
      const wheels = await fetchImageWheels(catalog, nodes, r.cache, { json });
      if (json) printJson({ cache: r.cache, results: r.results, errors: r.errors, wheels });
      else if (r.results.length + r.errors.length + wheels.length === 0) {
        process.stdout.write('no vendor artifacts or python locks declared\n');
      }
      if (r.requiredFailed) process.exitCode = 1;
    });

  program
    .command('doctor')
    .description('check engine, client, BuildKit, disk, base tools and registry login, with fixes')
    .option('--json', 'machine-readable output')
    .action(async (_opts, cmd: Command) => {
      let repo = '';
      try {
        repo = catalogFor(cmd, { readFiles: false }).spec.registry.repo;
      } catch {
        // doctor still works without a catalog
      }
      const checks = await doctor(repoRoot(cmd), repo);
      if (wantsJson(cmd)) printJson(checks);
      else
        for (const c of checks)
          process.stdout.write(
            `${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(15)} ${c.detail}${c.fix ? `  → fix: ${c.fix}` : ''}\n`,
          );
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
    });
}
