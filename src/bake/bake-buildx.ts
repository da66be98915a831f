import { accessSync, constants } from 'node:fs';
import { execa } from 'execa';
import { dockerBin } from '../engine/docker.ts';
import { KfcError } from '../errors.ts';
import { BUILDX_DIVERTED, findTool } from '../referees/tools.ts';

/**
 * The command that runs buildx: KFC_BUILDX or the provisioned, pinned binary (Debian's, diverted
 * out of the CLI plugin folder so `docker build` keeps its built-in BuildKit), else a docker CLI
 * with buildx as a plugin (GitHub's runners). Returns the argv prefix before `bake`.
 */
export async function findBuildx(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const tool = findTool('buildx', env);
  if (tool) {
    try {
      accessSync(tool, constants.X_OK);
    } catch {
      throw new KfcError(`buildx ${tool} is not an executable file`, {
        hint: 'fix KFC_BUILDX, or run bash scripts/provision-referees.sh',
      });
    }
    return [tool];
  }
  const docker = dockerBin();
  if ((await execa(docker, ['buildx', 'version'], { reject: false })).exitCode === 0) return [docker, 'buildx'];
  throw new KfcError('buildx is not installed', {
    hint: `run bash scripts/provision-referees.sh (installs it as ${BUILDX_DIVERTED}) or set KFC_BUILDX`,
  });
}
