import type { Command } from 'commander';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { catalogFor, printJson, wantsJson } from '../cli/context.ts';
import { lockImages } from './lock.ts';
import { fetchWheels, imagePins, type WheelFetchResult, wheelCacheDir } from './wheelhouse.ts';

/** `kfc lock`: the Python verbs of the CLI (kfc fetch's wheelhouse part hooks into fetch). */
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
      const results = await lockImages(catalog, images, {
        upgrade: opts.upgrade,
        caBundle: opts.caBundle ?? process.env.KFC_CA_BUNDLE,
      });
      if (wantsJson(cmd)) printJson(results);
      else if (results.length === 0) process.stdout.write('no image has a python lock\n');
    });
}

/** kfc fetch's Python part: each image's locked wheels into <cache>/wheels/, one line per image. */
export async function fetchImageWheels(
  catalog: Catalog,
  nodes: ImageNode[],
  cache: string,
  opts: { json: boolean },
): Promise<WheelFetchResult[]> {
  const out: WheelFetchResult[] = [];
  const log = (s: string) => process.stderr.write(s + '\n');
  for (const node of nodes.filter((n) => imagePins(catalog, n).length > 0)) {
    const t0 = Date.now();
    const r = await fetchWheels(catalog, node, cache, { caBundle: process.env.KFC_CA_BUNDLE, log });
    out.push(r);
    if (!opts.json) {
      const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
      process.stdout.write(
        `wheels     ${node.name}: ${r.wheels} wheels, ${mb(r.bytes)} (${r.downloaded} downloaded, ${mb(r.downloadedBytes)}; ${r.present} present) in ${wheelCacheDir(cache)} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
      );
    }
  }
  return out;
}
