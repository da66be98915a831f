/**
 * How long each suite file last took on each image: a scheduling hint only (never a result), so the
 * longest files start first and two lanes end together. Kept beside the result cache, in
 * <kfc cache dir>/durations/test.json; unreadable or missing means "not known yet".
 */

import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { kfcCacheDir } from '../cache/dir.ts';

export type Durations = Record<string, number>;

const durationsFile = (dir: string) => join(dir, 'durations', 'test.json');
export const durationKey = (image: string, file: string) => `${image}\t${file}`;

export function readDurations(dir: string = kfcCacheDir()): Durations {
  try {
    const parsed: unknown = JSON.parse(readFileSync(durationsFile(dir), 'utf8'));
    if (!parsed || typeof parsed !== 'object') return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === 'number'));
  } catch {
    return {};
  }
}

/** Adds these seconds to the file (read again first: another kfc test may have written since). */
export function recordDurations(seen: Durations, dir: string = kfcCacheDir()): void {
  if (Object.keys(seen).length === 0) return;
  const file = durationsFile(dir);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic.sync(file, `${JSON.stringify({ ...readDurations(dir), ...seen }, null, 1)}\n`);
  } catch {
    // A hint that cannot be kept only costs the order next time; the result cache already warned.
  }
}
