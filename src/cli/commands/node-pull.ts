import { type Command, Option } from 'commander';
import { KfcError } from '../../errors.ts';
import { catalogFor, printJson, wantsJson } from '../context.ts';
import { selectNodes } from './catalog.ts';

interface NodePullOpts {
  all?: boolean;
  repo?: string;
  tag?: string;
  smoke?: boolean;
  resultCache?: boolean;
  test?: boolean;
}

export function registerNodePullCommand(program: Command): void {
  program
    .command('node-pull')
    .description(
      'push images to a throwaway htpasswd registry and pull them, parents first, into a separate empty engine' +
        " (a node): bytes pulled per image, checked three ways, the image ID the build's, and a Kubeflow-contract" +
        ' smoke test on the node (start, ready path, one kernel); results kept by content',
    )
    .argument('[images...]', 'images (their ancestors built here come first), pulled in catalog order')
    .option('--all', 'every catalog image built here whose test.nodePull is on (images.yaml)')
    .option('--repo <repo>', 'registry/namespace prefix the images were built with (REPO)')
    .option('--tag <tag>', 'tag the images were built with (default: the git branch)')
    .option('--smoke', 'smoke-test the named published images on the node the Kubeflow way (the default)')
    .option('--no-smoke', 'only push, pull and check the accounts and the image IDs')
    .option('--no-result-cache', 'run every pull again, even when its result is kept (also KFC_TEST_CACHE=off)')
    .addOption(new Option('--test').hideHelp())
    .option('--json', 'machine-readable output')
    .action(async (args: string[], opts: NodePullOpts, cmd: Command) => {
      const { imageExists, requireEngine } = await import('../../engine/docker.ts');
      const { gitInfo } = await import('../../engine/git.ts');
      const { defaultTag, normaliseRepo } = await import('../../tags/tags.ts');
      const { nodePull } = await import('../../nodepull/node-pull.ts');
      const { formatPullTable } = await import('../../nodepull/pull-bytes.ts');
      const { formatSmokeTable } = await import('../../nodepull/node-smoke.ts');
      const log = (s: string) => process.stderr.write(s + '\n');
      if (opts.test)
        throw new KfcError('--test is gone: node-pull no longer runs the suites', {
          hint: 'kfc test IMAGE runs them (kept by content); kfc node-pull IMAGES --smoke checks the node',
        });
      if (!args.length && !opts.all)
        throw new KfcError('name the images to pull, or --all', { hint: 'kfc node-pull jupyterlab-cpu --tag ci' });
      if (args.length && opts.all)
        throw new KfcError('give images or --all, not both', { hint: 'kfc node-pull --all --tag ci' });
      const catalog = catalogFor(cmd, { readFiles: false });
      const named = opts.all ? catalog.order.filter((n) => n.spec.test.nodePull) : selectNodes(catalog, args);
      await requireEngine();
      if (process.getuid?.() !== 0)
        throw new KfcError('kfc node-pull starts a second dockerd: it needs root', {
          hint: 'run it as root (CI does)',
        });
      const repo = normaliseRepo(opts.repo ?? catalog.spec.registry.repo);
      const tag = defaultTag((await gitInfo(catalog.root)).branch, opts.tag);
      const refOf = (n: { name: string }) => `${repo}${n.name}:${tag}`;
      // A node pulls a child after its parent: the named images' ancestors built here come first.
      const wanted = new Set(named.flatMap((n) => n.chain.map((c) => c.name)));
      const nodes = [];
      const missing: string[] = [];
      for (const n of catalog.order.filter((x) => wanted.has(x.name)))
        if (await imageExists(refOf(n))) nodes.push(n);
        else missing.push(n.name);
      const namedMissing = opts.all ? [] : args.filter((a) => missing.includes(a));
      if (namedMissing.length || !nodes.length)
        throw new KfcError(
          `not built here with tag "${tag}": ${(namedMissing.length ? namedMissing : missing).join(', ')}`,
          {
            hint: 'kfc build IMAGE first, or pass --tag/--repo',
          },
        );
      if (missing.length) log(`kfc node-pull: not built here, left out: ${missing.join(', ')}`);
      const namedSet = new Set(named.map((n) => n.name));
      // The smoke: every named published image (--all: every published image whose test.nodePull is on).
      const smoke = opts.smoke === false ? [] : nodes.filter((n) => namedSet.has(n.name) && n.spec.publish);
      const result = await nodePull({ nodes, refOf, tag, smoke, resultCache: opts.resultCache, log });
      if (wantsJson(cmd)) printJson(result);
      else {
        const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;
        process.stdout.write(`${formatPullTable(result.images)}\n`);
        if (result.images.some((r) => r.smoke)) process.stdout.write(`\n${formatSmokeTable(result.images)}\n`);
        process.stdout.write(
          `peak disk (registry storage + the node's data root): ` +
            `${result.peakDiskBytes ? gb(result.peakDiskBytes) : '— (every image cached: nothing ran)'}\n`,
        );
      }
      if (result.problems.length) {
        for (const p of result.problems) process.stderr.write(`kfc node-pull: FAIL: ${p}\n`);
        throw new KfcError(`${result.problems.length} node-pull problem(s)`, {
          exitCode: 1,
          hint: 'see the lines above (the three accounts of a pull must agree, the image IDs match, the smoke pass)',
        });
      }
    });
}
