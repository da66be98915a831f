/** Where kfc keeps what outlives a clone: KFC_CACHE_DIR, else $XDG_CACHE_HOME/kfc, else ~/.cache/kfc. */

import { homedir } from 'node:os';
import { join } from 'node:path';

export function kfcCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KFC_CACHE_DIR) return env.KFC_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(xdg, 'kfc');
}
