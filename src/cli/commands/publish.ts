import { isAbsolute, join, relative } from 'node:path';
import type { Command } from 'commander';
import { BAKE_FILE } from '../../bake/bake.ts';
import { KfcError } from '../../errors.ts';
import { CRD_ENV, DEFAULT_CRD, DEFAULT_OUT, NOTEBOOK_DIR, V2_DIR } from '../../kubeflow/kubeflow-paths.ts';
import { setStepOutput } from '../../log/ci-log.ts';
import { requireValidTag, STABLE_TAG } from '../../tags/tags.ts';
import { catalogFor, parseBaseRefs, parseBuildArgs, printJson, repeatable, wantsJson } from '../context.ts';
import { selectNodes } from './catalog.ts';
import { buildProgress } from './engine.ts';

function report(drift: { path: string; kind: string; firstDiff?: string }[], what: string, fix: string): void {
  for (const d of drift)
    process.stdout.write(`${d.kind.padEnd(7)} ${d.path}${d.firstDiff ? `: ${d.firstDiff}` : ''}\n`);
  if (drift.length) {
    process.stderr.write(`kfc: error: ${what} is out of date (${drift.length} file(s)) (fix: ${fix})\n`);
    process.exitCode = 1;
  } else process.stdout.write(`${what} is up to date\n`);
}

/** kfc bake --build: kfc build's one path; refuses the options that only make sense for a file to publish with. */
async function buildNow(
  images: string[],
  opts: {
    repo?: string;
    release?: boolean;
    dev?: boolean;
    tag: string[];
    baseRef: string[];
    caBundle?: string;
    buildArg: string[];
    refresh?: boolean;
    stdout?: boolean;
    check?: boolean;
    progress: string;
  },
  cmd: Command,
): Promise<void> {
  const refuse: [boolean, string, string][] = [
    [
      Boolean(opts.release || opts.dev),
      '--release/--dev',
      'publish with: kfc bake --release, then docker buildx bake --push',
    ],
    [Boolean(opts.stdout || opts.check), '--stdout/--check', 'the file --build ran is kept as .kfc/logs/bake.json'],
  ];
  for (const [bad, what, hint] of refuse)
    if (bad) throw new KfcError(`kfc bake --build does not take ${what}`, { hint });
  const progress = buildProgress(opts.progress);
  const catalog = catalogFor(cmd);
  if (images.length === 0)
    throw new KfcError('kfc bake --build: name the images to build', {
      hint: `images: ${catalog.order.map((n) => n.name).join(', ')}`,
    });
  const [tag, ...extraTags] = opts.tag.map((t) => requireValidTag(t));
  const { buildImages } = await import('../../engine/build.ts');
  const results = await buildImages(catalog, selectNodes(catalog, images), {
    repo: opts.repo,
    tag,
    extraTags,
    baseRefs: parseBaseRefs(opts.baseRef),
    caBundle: opts.caBundle ?? process.env.KFC_CA_BUNDLE,
    buildArgs: parseBuildArgs(opts.buildArg),
    refresh: opts.refresh,
    progress,
  });
  if (wantsJson(cmd)) printJson(results);
}

/** Publishing verbs: affected (CI matrix), bake (docker-bake.json), kubeflow (spawner config + manifests). */
export function registerPublishCommands(program: Command): void {
  program
    .command('affected')
    .description(
      'images changed since a git ref (bits, resources, catalog entries, ancestors), parents first, as a CI matrix',
    )
    .option('--since <ref>', 'git reference to compare the working tree with (e.g. origin/main)')
    .option('--all', 'every published image (nightly rebuild)')
    .option('--list', 'print the affected published images one per line instead of JSON')
    .option('--github-output', 'also write matrix, images, count, any and base-key to $GITHUB_OUTPUT')
    .action(async (opts: { since?: string; all?: boolean; list?: boolean; githubOutput?: boolean }, cmd: Command) => {
      const catalog = catalogFor(cmd, { readFiles: false });
      const { affectedSince, basesKey } = await import('../../affected/affected.ts');
      const result = await affectedSince(catalog, opts.since, { all: opts.all });
      if (opts.githubOutput) {
        setStepOutput('matrix', JSON.stringify(result.matrix));
        setStepOutput('images', result.images.join(' '));
        setStepOutput('count', String(result.images.length));
        setStepOutput('any', result.images.length > 0 ? 'true' : 'false');
        setStepOutput('base-key', basesKey(catalog));
      }
      if (opts.list) {
        if (result.images.length) process.stdout.write(result.images.join('\n') + '\n');
      } else {
        printJson(result);
      }
      for (const name of [...result.internal, ...result.images]) {
        process.stderr.write(`affected ${name}: ${result.reasons[name]!.join('; ')}\n`);
      }
      if (result.images.length === 0)
        process.stderr.write(
          `no published image affected${result.since ? ` since ${result.since.slice(0, 12)}` : ''}\n`,
        );
    });

  program
    .command('bake')
    .description(`write ${BAKE_FILE} for docker buildx bake (a target per image, registry cache, tags, OCI labels)`)
    .argument('[images...]', 'only these images (and the ancestors whose cache they use)')
    .option('--out <file>', 'where to write it', BAKE_FILE)
    .option('--repo <repo>', 'registry repository prefix (default: registry.repo, or registry.devRepo with --dev)')
    .option('--release', 'add latest and v1 (what main publishes)')
    .option('--dev', 'tag dev in the dev registry (what a PR labelled auto-deploy publishes)')
    .option('--no-git-tags', 'leave out the SHA, SHORT_SHA and branch tags (stable output to commit)')
    .option('--tag <tag>', 'an extra tag (repeatable)', repeatable, [])
    .option('--no-registry-cache', 'no cache-from/cache-to')
    .option(
      '--base-ref <key=ref>',
      'build root base KEY from a pushed copy REF (repeatable); needed on remote builders',
      repeatable,
      [],
    )
    .option('--ca-bundle <file>', 'pass the CA bundle of a TLS-inspecting proxy as BuildKit secret id=ca')
    .option('--build-arg <k=v>', "build argument over the catalog's, as kfc build (repeatable)", repeatable, [])
    .option(
      '--refresh',
      "read Debian's InRelease files now for KFC_APT_ARCHIVES and its labels (default: the state recorded)",
    )
    .option('--stdout', 'print the file instead of writing it')
    .option('--check', 'write nothing; exit 1 if the file differs')
    .option(
      '--build',
      'build the images (and their ancestors, tagged too) now, as kfc build does (one path: buildx bake ' +
        'on the local engine); --tag sets the tag (default: the git branch), more --tag add tags',
    )
    .option('--progress <mode>', 'with --build: as kfc build', 'auto')
    .option('--json', 'machine-readable result')
    .action(
      async (
        images: string[],
        opts: {
          out: string;
          repo?: string;
          release?: boolean;
          dev?: boolean;
          gitTags: boolean;
          tag: string[];
          registryCache: boolean;
          baseRef: string[];
          caBundle?: string;
          buildArg: string[];
          refresh?: boolean;
          stdout?: boolean;
          check?: boolean;
          build?: boolean;
          progress: string;
        },
        cmd: Command,
      ) => {
        if (opts.build) return buildNow(images, opts, cmd);
        // The bits are read: an image's Dockerfile says whether it takes the Debian archive state.
        const catalog = catalogFor(cmd);
        selectNodes(catalog, images);
        const [{ bakeFile }, { bakeJson }, { checkFolder, writeFolder }] = await Promise.all([
          import('../../engine/bake-file.ts'),
          import('../../bake/bake.ts'),
          import('../../outputs/folder.ts'),
        ]);
        const { file, notes } = await bakeFile(catalog, images, {
          repo: opts.repo,
          gitTags: opts.gitTags,
          release: opts.release,
          dev: opts.dev,
          extraTags: opts.tag,
          registryCache: opts.registryCache,
          baseRefs: parseBaseRefs(opts.baseRef),
          caBundle: opts.caBundle,
          buildArgs: parseBuildArgs(opts.buildArg),
          refresh: opts.refresh,
          log: (s: string) => process.stderr.write(`${s}\n`),
        });
        for (const n of notes) process.stderr.write(`kfc bake: note: ${n}\n`);
        const text = bakeJson(file);
        if (opts.stdout) return void process.stdout.write(text);
        const out = isAbsolute(opts.out) ? opts.out : join(catalog.root, opts.out);
        const dir = join(out, '..');
        const name = relative(dir, out);
        if (opts.check)
          return report(
            checkFolder(dir, [{ path: name, content: text }]),
            relative(catalog.root, out) || out,
            'run kfc bake',
          );
        const res = writeFolder(dir, [{ path: name, content: text }]);
        const shown = relative(process.cwd(), out) || out;
        if (wantsJson(cmd))
          printJson({ file: out, written: res.written.length > 0, targets: Object.keys(file.target) });
        else
          process.stdout.write(
            `${res.written.length ? 'wrote' : 'unchanged'} ${shown} (${Object.keys(file.target).length} targets; ` +
              `build with: docker buildx bake -f ${shown})\n`,
          );
      },
    );

  program
    .command('kubeflow')
    .description(
      'write the spawner_ui_config.yaml image lists, an example Notebook per published image, ' +
        'and the Notebooks 2.0 WorkspaceKinds (v2/) with an example Workspace per kind',
    )
    .option('--out <dir>', 'output folder', DEFAULT_OUT)
    .option('--repo <repo>', 'registry repository prefix (default: registry.repo)')
    .option('--tag <tag>', 'tag the v1 spawner offers and the v1 examples use', STABLE_TAG)
    .option('--namespace <ns>', 'namespace of the example Notebooks and Workspaces', 'kubeflow-user-example-com')
    .option('--storage <size>', 'workspace volume size', '10Gi')
    .option('--storage-class <name>', 'storageClassName of the workspace volume')
    .option('--show-registry', 'let users see the registry in the spawner (hideRegistry: false)')
    .option('--hide-tag', 'hide the tag in the spawner (hideTag: true)')
    .option('--no-custom-image', 'allowCustomImage: false')
    .option('--check', 'write nothing; exit 1 listing files that differ, are missing or stale')
    .option(
      '--notebook-crd <file>',
      `validate Notebooks against this Notebook CRD (default: $${CRD_ENV}, else ${DEFAULT_CRD})`,
    )
    .option('--json', 'machine-readable output')
    .action(
      async (
        opts: {
          out: string;
          notebookCrd?: string;
          repo?: string;
          tag: string;
          namespace: string;
          storage: string;
          storageClass?: string;
          showRegistry?: boolean;
          hideTag?: boolean;
          customImage: boolean;
          check?: boolean;
        },
        cmd: Command,
      ) => {
        const catalog = catalogFor(cmd, { readFiles: false });
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(opts.namespace))
          throw new KfcError(`"${opts.namespace}" is not a Kubernetes namespace name`, {
            hint: 'lowercase letters, digits and -',
          });
        const [{ renderKubeflow }, { checkKubeflowFiles }, { checkFolder, writeFolder }] = await Promise.all([
          import('../../kubeflow/kubeflow.ts'),
          import('../../kubeflow/kubeflow-files-check.ts'),
          import('../../outputs/folder.ts'),
        ]);
        const { files, notes } = renderKubeflow(catalog, {
          repo: opts.repo,
          tag: opts.tag,
          namespace: opts.namespace,
          storage: opts.storage,
          storageClassName: opts.storageClass,
          hideRegistry: !opts.showRegistry,
          hideTag: Boolean(opts.hideTag),
          allowCustomImage: opts.customImage,
        });
        for (const n of notes) process.stderr.write(`kfc kubeflow: note: ${n}\n`);
        const dir = isAbsolute(opts.out) ? opts.out : join(catalog.root, opts.out);
        const shown = relative(process.cwd(), dir) || '.';
        const checked = checkKubeflowFiles(catalog.root, dir, files, Boolean(opts.check), opts.notebookCrd);
        for (const line of [...checked.against.map((l) => `kfc kubeflow: ${l}`), ...checked.findings])
          process.stderr.write(`${line}\n`);
        const bad = checked.findings.length;
        if (opts.check) {
          report(checkFolder(dir, files, [NOTEBOOK_DIR, V2_DIR]), shown, `run kfc kubeflow --out ${opts.out}`);
          if (bad) process.exitCode = 2;
          return;
        }
        if (bad) {
          process.stderr.write(
            `kfc: error: ${bad} finding(s) in the Kubeflow files: nothing written (fix: the lines above)\n`,
          );
          process.exitCode = 2;
          return;
        }
        const res = writeFolder(dir, files, [NOTEBOOK_DIR, V2_DIR]);
        if (wantsJson(cmd)) printJson({ dir, ...res });
        else {
          process.stdout.write(
            `${shown}: ${res.written.length} written, ${res.unchanged.length} unchanged` +
              `${res.removed.length ? `, removed stale ${res.removed.join(', ')}` : ''}\n`,
          );
        }
      },
    );
}
