import type { Command } from 'commander';
import type { Catalog, ImageNode } from '../../catalog/model.ts';
import { PROGRESS_MODES, type ProgressMode } from '../../engine/progress-modes.ts';
import { KfcError } from '../../errors.ts';
import { catalogFor, parseBaseRefs, parseBuildArgs, printJson, repeatable, repoRoot, wantsJson } from '../context.ts';
import { selectNodes } from './catalog.ts';

// Each verb loads its own modules when it runs: a kfc call pays only for the verb it makes (the test suites make
// hundreds of calls).

function registryCacheMode(mode: string | undefined): 'read' | 'write' | undefined {
  if (mode === undefined || mode === 'read' || mode === 'write') return mode;
  throw new KfcError(`--registry-cache ${mode} is not read or write`, {
    hint: 'read imports the cache, write also exports it',
  });
}

/** --progress of kfc build (and kfc bake --build). */
export function buildProgress(mode: string): ProgressMode {
  if (!(PROGRESS_MODES as string[]).includes(mode))
    throw new KfcError(`--progress ${mode} is not one of ${PROGRESS_MODES.join(', ')}`);
  return mode as ProgressMode;
}

function oneImage(catalog: Catalog, name: string): ImageNode {
  return selectNodes(catalog, [name])[0]!;
}

function retries(n: string): number {
  const v = Number(n);
  if (!Number.isInteger(v) || v < 0) throw new KfcError(`--retries ${n} is not a whole number ≥ 0`);
  return v;
}

export function registerEngineCommands(program: Command): void {
  program
    .command('base')
    .description('create the root base image(s) with mmdebstrap + docker import (skips when present)')
    .option('--force', 'rebuild even when present')
    .option('--json', 'machine-readable output')
    .action(async (opts: { force?: boolean }, cmd: Command) => {
      const { ensureBases } = await import('../../engine/base.ts');
      const results = await ensureBases(catalogFor(cmd, { readFiles: false }), { force: opts.force });
      if (wantsJson(cmd)) printJson(results);
      else
        for (const r of results.filter((x) => !x.created))
          process.stdout.write(`${r.image} is present (use --force to rebuild)\n`);
    });

  program
    .command('build')
    .description(
      'build images and their ancestors in one docker buildx bake run (BuildKit solves the graph; shared ' +
        'steps run once, siblings concurrently) on the local engine or the builder named',
    )
    .argument('[images...]')
    .option('--all', 'build every image that can be built here (published and internal)')
    .option('--repo <repo>', 'registry/namespace prefix (REPO)')
    .option('--tag <tag>', 'tag (default: the git branch)')
    .option('--build-arg <k=v>', 'build argument (repeatable)', repeatable)
    .option('--no-cache', 'do not use the layer cache')
    .option(
      '--refresh',
      "read Debian's InRelease files now: rebuild from foundation's apt layer only if an archive moved",
    )
    .option('--cache-from <ref>', 'cache source (repeatable)', repeatable)
    .option('--cache-to <ref>', 'cache export (not on the local engine: --builder; repeatable)', repeatable)
    .option(
      '--registry-cache <mode>',
      'registry cache at REPO/IMAGE:buildcache (as bake): read, or write (not on the local engine)',
    )
    .option('--builder <name>', 'buildx builder: remote BuildKit, docker-container, kubernetes (default: local engine)')
    .option('--push', 'push the images to the registry of their reference (REPO) instead of loading them')
    .option('--load', 'with --push: also load them into the engine')
    .option(
      '--base-ref <key=ref>',
      'build root base KEY from a pushed copy REF (repeatable): builders that cannot see the engine',
      repeatable,
    )
    .option('--ca-bundle <file>', 'CA bundle for a TLS-inspecting proxy, given to RUNs as a secret (never in a layer)')
    .option(
      '--progress <mode>',
      'auto (a live view on a terminal, timestamped lines in CI or a pipe) | tty | lines | plain (BuildKit) | quiet',
      'auto',
    )
    .option(
      '--docker-arg <arg>',
      "docker build option for every image (repeatable; the seed's DARGS): --no-cache, --pull, --build-arg, " +
        '--label, --secret, --cache-from, --cache-to, --platform, --shm-size, --ulimit, --no-cache-filter',
      repeatable,
    )
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
          refresh?: boolean;
          cacheFrom?: string[];
          cacheTo?: string[];
          registryCache?: string;
          builder?: string;
          push?: boolean;
          load?: boolean;
          baseRef?: string[];
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
        const progress = buildProgress(opts.progress);
        if (opts.load && !opts.push) throw new KfcError('--load goes with --push', { hint: 'images load by default' });
        const log = (s: string) => process.stderr.write(`${s}\n`);
        const { buildableHere } = await import('../../engine/buildable.ts');
        const { buildImages } = await import('../../engine/build.ts');
        const nodes = opts.all ? await buildableHere(catalog, log) : selectNodes(catalog, images);
        const results = await buildImages(catalog, nodes, {
          repo: opts.repo,
          tag: opts.tag,
          buildArgs: parseBuildArgs(opts.buildArg),
          noCache: opts.cache === false,
          refresh: opts.refresh,
          cacheFrom: opts.cacheFrom,
          cacheTo: opts.cacheTo,
          registryCache: registryCacheMode(opts.registryCache),
          builder: opts.builder ?? (process.env.KFC_BUILDER || undefined),
          push: opts.push,
          load: opts.push ? Boolean(opts.load) : true,
          baseRefs: parseBaseRefs(opts.baseRef),
          caBundle: opts.caBundle ?? process.env.KFC_CA_BUNDLE,
          progress,
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
      const node = oneImage(catalog, image);
      const { resolveRefs } = await import('../../engine/refs.ts');
      process.stdout.write(`${(await resolveRefs(catalog, opts)).refOf(node)}\n`);
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
        const { tagImage } = await import('../../engine/tag.ts');
        const { source, target, refs } = await tagImage(catalog, oneImage(catalog, image), opts);
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
    .option('--sign', 'sign each pushed digest with cosign and attach its CycloneDX SBOM as a signed attestation')
    .option('--key <file>', 'with --sign: cosign private key (default: $KFC_COSIGN_KEY, a path or the key text)')
    .option('--json', 'machine-readable output')
    .action(
      async (image: string, opts: { repo?: string; retries: string; sign?: boolean; key?: string }, cmd: Command) => {
        const catalog = catalogFor(cmd, { readFiles: false });
        const node = oneImage(catalog, image);
        if (opts.key && !opts.sign)
          throw new KfcError('--key is for --sign', { hint: 'kfc push IMAGE --sign --key FILE' });
        const how = { repo: opts.repo, retries: retries(opts.retries) };
        // Only a signed push loads the signing modules (cosign, the SBOM).
        const r = opts.sign
          ? await import('../../signing/push-pull.ts').then((m) =>
              m.pushAndSign(catalog, node, { ...how, sign: { key: opts.key } }),
            )
          : await import('../../engine/push-pull.ts').then(async (m) => ({
              ...(await m.pushImage(catalog, node, how)),
              signed: [],
            }));
        if (wantsJson(cmd)) printJson({ pushed: r.tags, seconds: r.seconds, signed: r.signed });
        else {
          process.stdout.write(`pushed ${r.tags.length} tag(s) of ${r.target} in ${r.seconds.toFixed(1)} s\n`);
          for (const s of r.signed)
            process.stdout.write(
              `signed ${r.target}@${s.digest} in ${s.signSeconds} s, SBOM attested in ${s.attestSeconds} s\n`,
            );
        }
      },
    );

  program
    .command('pull')
    .description('pull an image by tag')
    .argument('<image>')
    .option('--repo <repo>', 'registry/namespace prefix (REPO)')
    .option('--tag <tag>', 'tag (default: the git branch)')
    .option('--retries <n>', 'retries on transient network errors', '3')
    .option('--verify', 'verify the cosign signature and SBOM attestation first; pull only the digest that verified')
    .option(
      '--key <file>',
      'with --verify: cosign public key (default: $KFC_COSIGN_PUBLIC_KEY, a path or the key text)',
    )
    .option('--json', 'machine-readable output')
    .action(
      async (
        image: string,
        opts: { repo?: string; tag?: string; retries: string; verify?: boolean; key?: string },
        cmd: Command,
      ) => {
        const catalog = catalogFor(cmd, { readFiles: false });
        const node = oneImage(catalog, image);
        if (opts.key && !opts.verify)
          throw new KfcError('--key is for --verify', { hint: 'kfc pull IMAGE --verify --key FILE' });
        const how = { repo: opts.repo, tag: opts.tag, retries: retries(opts.retries) };
        const r = opts.verify
          ? await import('../../signing/push-pull.ts').then((m) =>
              m.verifyAndPull(catalog, node, { ...how, key: opts.key }),
            )
          : await import('../../engine/push-pull.ts').then(async (m) => ({
              ...(await m.pullImage(catalog, node, how)),
              verified: undefined,
            }));
        if (wantsJson(cmd)) printJson({ ref: r.ref, id: r.id, seconds: r.seconds, verified: r.verified });
        else {
          if (r.verified)
            process.stdout.write(
              `verified ${r.verified.digestRef} (signature + SBOM attestation) in ${r.verified.seconds} s\n`,
            );
          process.stdout.write(`pulled ${r.ref} (${r.id.slice(7, 19)}) in ${r.seconds.toFixed(1)} s\n`);
        }
      },
    );

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
        if (opts.port !== undefined && !/^\d+$/.test(opts.port))
          throw new KfcError(`--port ${opts.port} is not a number`);
        const { devImage } = await import('../../engine/dev.ts');
        process.exitCode = await devImage(catalog, node, {
          ...opts,
          caBundle: opts.caBundle ?? process.env.KFC_CA_BUNDLE,
          port: opts.port ? Number(opts.port) : undefined,
          prefix: opts.prefix ?? process.env.NB_PREFIX,
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
    .option('--no-result-cache', 'run every suite file and store nothing (also KFC_TEST_CACHE=off)')
    .option(
      '--not-alone',
      'a pass beside other work: every file but those that must run alone (and those never kept, without --run-id)',
    )
    .option(
      '--run-id <id>',
      "a run's passes share it: a file never kept that passed in an earlier pass of the run is counted, not rerun",
    )
    .action(
      async (
        images: string[],
        opts: {
          repo?: string;
          tag?: string;
          imageRef?: string;
          prefix?: string;
          only?: string;
          resultCache: boolean;
          notAlone?: boolean;
          runId?: string;
        },
        cmd: Command,
      ) => {
        const catalog = catalogFor(cmd, { readFiles: false });
        const { testImages } = await import('../../testing/run.ts');
        await testImages(catalog, selectNodes(catalog, images), { ...opts, record: wantsJson(cmd) });
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
      const line = json ? undefined : (s: string) => process.stdout.write(`${s}\n`);
      const { fetchAll } = await import('../../engine/fetch.ts');
      const r = await fetchAll(catalog, selectNodes(catalog, images), { line });
      if (json) printJson({ cache: r.cache, results: r.results, errors: r.errors, wheels: r.wheels });
      else if (r.results.length + r.errors.length + r.wheels.length === 0) {
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
      const { doctor, formatCheck } = await import('../../engine/doctor.ts');
      const checks = await doctor(repoRoot(cmd), repo);
      if (wantsJson(cmd)) printJson(checks);
      else for (const c of checks) process.stdout.write(`${formatCheck(c)}\n`);
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
    });
}
