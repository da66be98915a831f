/**
 * `kfc hadolint`: hadolint on each generated Dockerfile's text (so output/ drift cannot hide a finding),
 * its findings mapped back to the bits they came from and merged over the images that share them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Catalog } from '../catalog/model.ts';
import { KfcError } from '../errors.ts';
import { generateAll } from '../generate/generate.ts';
import { FAILING_LEVELS, type HadolintFinding, mapHadolint, mergeFindings, parseHadolintJson } from './hadolint.ts';
import { requireTool } from './tools.ts';

/** hadolint's configuration at the repository root (the rules kfc lint owns are off in it). */
export const HADOLINT_CONFIG = '.hadolint.yaml';

export async function hadolintImages(
  catalog: Catalog,
  images: string[],
  config = join(catalog.root, HADOLINT_CONFIG),
): Promise<{ findings: HadolintFinding[]; failing: number }> {
  const bin = requireTool('hadolint');
  if (!existsSync(config))
    throw new KfcError('hadolint configuration is missing', {
      where: config,
      hint: 'restore it from git (it lists the rules kfc lint owns)',
    });
  const lists = [];
  for (const img of generateAll(catalog, images)) {
    const r = await execa(bin, ['--config', config, '--format', 'json', '--no-fail', '-'], {
      input: img.dockerfile,
      reject: false,
      cwd: catalog.root,
    });
    if (r.exitCode !== 0)
      throw new KfcError(`hadolint failed on output/${img.name}/Dockerfile: ${(r.stderr || r.stdout).split('\n')[0]}`, {
        hint: `run ${bin} --config ${config} output/${img.name}/Dockerfile`,
      });
    lists.push(mapHadolint(parseHadolintJson(r.stdout, `output/${img.name}/Dockerfile`), img.origins, img.name));
  }
  const findings = mergeFindings(lists);
  return { findings, failing: findings.filter((f) => FAILING_LEVELS.has(f.level)).length };
}
