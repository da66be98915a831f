import type { Command } from 'commander';
import { affectedSince } from '../../publish/affected.ts';
import { setStepOutput } from '../../publish/ci-log.ts';
import { catalogFor, printJson } from '../context.ts';

/** Publishing verbs: affected (CI matrix), bake (docker-bake.json), kubeflow (spawner config + manifests). */
export function registerPublishCommands(program: Command): void {
  program
    .command('affected')
    .description('images changed since a git ref (bits, resources, catalog entries, ancestors), parents first, as a CI matrix')
    .option('--since <ref>', 'git reference to compare the working tree with (e.g. origin/main)')
    .option('--all', 'every published image (nightly rebuild)')
    .option('--list', 'print the affected published images one per line instead of JSON')
    .option('--github-output', 'also write matrix, images, count and any to $GITHUB_OUTPUT')
    .action(async (opts: { since?: string; all?: boolean; list?: boolean; githubOutput?: boolean }, cmd: Command) => {
      const catalog = catalogFor(cmd, { readFiles: false });
      const result = await affectedSince(catalog, opts.since, { all: opts.all });
      if (opts.githubOutput) {
        setStepOutput('matrix', JSON.stringify(result.matrix));
        setStepOutput('images', result.images.join(' '));
        setStepOutput('count', String(result.images.length));
        setStepOutput('any', result.images.length > 0 ? 'true' : 'false');
      }
      if (opts.list) {
        if (result.images.length) process.stdout.write(result.images.join('\n') + '\n');
      } else {
        printJson(result);
      }
      for (const name of [...result.internal, ...result.images]) {
        process.stderr.write(`affected ${name}: ${result.reasons[name]!.join('; ')}\n`);
      }
      if (result.images.length === 0) process.stderr.write(`no published image affected${result.since ? ` since ${result.since.slice(0, 12)}` : ''}\n`);
    });
}
