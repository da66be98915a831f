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
  cold?: boolean;
  compression?: string;
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
    .option(
      '--cold',
      'the cold-node benchmark (serial, not CI): each named image on fresh nodes (parent present; nothing' +
        ' present), timed to its ready path: transfer, unpack, container start, server ready',
    )
    .option(
      '--compression <list>',
      'with --cold: the layers written, gzip, zstd or gzip,zstd (one after the other; default zstd). The nodes' +
        ' run KFC_NODE_DOCKERD, else /usr/libexec/kfc/node-engine/dockerd (pulls zstd), else the host dockerd',
    )
    .addOption(new Option('--test').hideHelp())
    .option('--json', 'machine-readable output')
    .action(async (args: string[], opts: NodePullOpts, cmd: Command) => {
      const { nodePullImages } = await import('../../nodepull/node-pull-images.ts');
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
      if (opts.cold && opts.all)
        throw new KfcError('--cold times the images named', { hint: 'kfc node-pull --cold jupyterlab-cpu' });
      if (opts.compression !== undefined && !opts.cold)
        throw new KfcError('--compression is for the cold-node benchmark', {
          hint: 'kfc node-pull --cold IMAGE --compression gzip,zstd (node-pull itself pushes zstd layers)',
        });
      const { parseCompressions } = await import('../../nodepull/compression.ts');
      const compressions = opts.compression === undefined ? undefined : parseCompressions(opts.compression);
      const catalog = catalogFor(cmd, { readFiles: false });
      const all = Boolean(opts.all);
      if (opts.cold) {
        const { coldPullImages } = await import('../../nodepull/node-pull-images.ts');
        const { formatColdTable } = await import('../../report/cold-figures.ts');
        const cold = await coldPullImages(catalog, {
          named: selectNodes(catalog, args),
          all,
          repo: opts.repo,
          tag: opts.tag,
          ...(compressions ? { compressions } : {}),
          log,
        });
        if (wantsJson(cmd)) printJson(cold);
        else {
          const node = `nodes: ${cold.node.dockerd} (Docker ${cold.node.version})`;
          process.stdout.write(`${formatColdTable(cold.rows)}\n${node}\nload: ${cold.load.start} … ${cold.load.end}\n`);
        }
        if (cold.problems.length) {
          for (const p of cold.problems) process.stderr.write(`kfc node-pull: FAIL: ${p}\n`);
          throw new KfcError(`${cold.problems.length} cold-node problem(s)`, {
            exitCode: 1,
            hint: 'see the lines above (each image must answer its ready path on the node)',
          });
        }
        return;
      }
      const result = await nodePullImages(catalog, {
        named: all ? catalog.order.filter((n) => n.spec.test.nodePull) : selectNodes(catalog, args),
        all,
        repo: opts.repo,
        tag: opts.tag,
        smoke: opts.smoke,
        resultCache: opts.resultCache,
        log,
      });
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
