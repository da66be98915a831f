import type { Command } from 'commander';
import { catalogFor, printJson, wantsJson } from '../context.ts';

/** `kfc lock`: the Python verbs of the CLI (kfc fetch's wheelhouse part is in engine/fetch.ts). */
export function registerPythonCommands(program: Command): void {
  program
    .command('lock')
    .description(
      "resolve python/<lock>.in into hash-locked python/<lock>.lock with uv (ancestors' locks as constraints)",
    )
    .argument('[images...]')
    .option('--upgrade', 'move pins to the newest versions the requirements allow (default: keep current pins)')
    .option('--ca-bundle <file>', "CA bundle of a TLS-inspecting proxy (default: KFC_CA_BUNDLE, else the system's)")
    .option('--json', 'machine-readable output')
    .action(async (images: string[], opts: { upgrade?: boolean; caBundle?: string }, cmd: Command) => {
      const catalog = catalogFor(cmd);
      const { lockImages } = await import('../../python/lock.ts');
      const results = await lockImages(catalog, images, {
        upgrade: opts.upgrade,
        caBundle: opts.caBundle ?? process.env.KFC_CA_BUNDLE,
      });
      if (wantsJson(cmd)) printJson(results);
      else if (results.length === 0) process.stdout.write('no image has a python lock\n');
    });
}
