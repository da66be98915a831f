import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KfcError } from '../errors.ts';

/** The referee tools scripts/provision-referees.sh installs (buildx is the engine's: src/engine/buildx.ts). */
export type RefereeTool = 'hadolint' | 'dive' | 'trivy' | 'cosign' | 'actionlint';

/** The host tools venv (scripts/provision-tools.sh) and the referees' own folder. */
const TOOLS_DIR_DEFAULT = '/opt/kfc-tools';
const REFEREES_DIR_DEFAULT = '/opt/kfc-referees';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where a referee tool is: KFC_<TOOL> (a path), else the provisioned, pinned copies
 * ($KFC_TOOLS_DIR/bin, $KFC_REFEREES_DIR/bin), else the PATH.
 */
export function findTool(tool: RefereeTool, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env[`KFC_${tool.toUpperCase()}`];
  if (override) return override;
  const dirs = [
    join(env.KFC_TOOLS_DIR || TOOLS_DIR_DEFAULT, 'bin'),
    join(env.KFC_REFEREES_DIR || REFEREES_DIR_DEFAULT, 'bin'),
  ];
  dirs.push(...(env.PATH ?? '').split(delimiter).filter(Boolean));
  for (const dir of dirs) if (executable(join(dir, tool))) return join(dir, tool);
  return undefined;
}

export function requireTool(tool: RefereeTool, env: NodeJS.ProcessEnv = process.env): string {
  const found = findTool(tool, env);
  if (!found) {
    const dir = `${env.KFC_REFEREES_DIR || REFEREES_DIR_DEFAULT}/bin`;
    throw new KfcError(`${tool} is not installed`, {
      hint: `run bash scripts/provision-referees.sh (installs it in ${dir}) or set KFC_${tool.toUpperCase()}`,
    });
  }
  return found;
}
