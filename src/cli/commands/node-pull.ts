import type { Command } from 'commander';
import { KfcError } from '../../errors.ts';
import { catalogFor, printJson, wantsJson } from '../context.ts';
import { selectNodes } from './catalog.ts';

interface NodePullOpts {
  all?: boolean;
  repo?: string;
  tag?: string;
  test?: boolean;
}

export function registerNodePullCommand(program: Command): void {
  program
    .command('node-pull')
    .description(
      'push images to a throwaway htpasswd registry and pull them, parents first, into a separate empty engine' +
        ' (a node): bytes pulled per image, checked three ways; --test runs their suites on the node',
    )
    .argument('[images...]', 'images (their ancestors built here come first), pulled in catalog order')
    .option('--all', 'every catalog image built here whose test.nodePull is on (images.yaml)')
    .option('--repo <repo>', 'registry/namespace prefix the images were built with (REPO)')
    .option('--tag <tag>', 'tag the images were built with (default: the git branch)')
    .option('--test', "run the published images' suites against the node's pulled images")
    .option('--json', 'machine-readable output')
    .action(async (args: string[], opts: NodePullOpts, cmd: Command) => {
      const { requireEngine } = await import('../../engine/docker.ts');
      const { gitInfo } = await import('../../engine/git.ts');
      const { defaultTag, normaliseRepo } = await import('../../tags/tags.ts');
      const { inspect } = await import('../../report/docker-engine.ts');
      const { nodePull } = await import('../../nodepull/node-pull.ts');
      const { formatPullTable } = await import('../../nodepull/pull-bytes.ts');
      const log = (s: string) => process.stderr.write(s + '\n');
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
        if (await inspect(refOf(n))) nodes.push(n);
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
      const test = opts.test ? nodes.filter((n) => namedSet.has(n.name) && n.spec.publish) : undefined;
      const result = await nodePull(catalog, { nodes, refOf, tag, test, log });
      if (wantsJson(cmd)) printJson(result);
      else {
        const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;
        process.stdout.write(`${formatPullTable(result.images)}\n`);
        process.stdout.write(`peak disk (registry storage + the node's data root): ${gb(result.peakDiskBytes)}\n`);
        if (result.tests)
          for (const [name, r] of Object.entries(result.tests))
            process.stdout.write(`suites of ${name} on the node: ${r.ok ? 'passed' : 'FAILED'}\n`);
      }
      if (result.problems.length) {
        for (const p of result.problems) process.stderr.write(`kfc node-pull: FAIL: ${p}\n`);
        throw new KfcError(`${result.problems.length} node-pull problem(s)`, {
          exitCode: 1,
          hint: 'see the lines above (the three accounts of a pull must agree; the suites must pass)',
        });
      }
    });
}
