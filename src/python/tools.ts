import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KfcError } from '../errors.ts';

/** The host tools venv that scripts/provision-tools.sh installs from tools/requirements.txt. */
function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KFC_TOOLS_DIR || '/opt/kfc-tools';
}

/** Path of a host tool (uv, pip…) in the tools venv; a user error naming the fix when it is absent. */
export function hostTool(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const p = join(toolsDir(env), 'bin', name);
  if (!existsSync(p)) {
    throw new KfcError(`host tool ${name} is not installed (${p} is missing)`, {
      hint: 'run bash scripts/provision-tools.sh (it installs tools/requirements.txt, hash-checked)',
    });
  }
  return p;
}
