import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import type { ImageHistory } from './estimate.ts';

/**
 * .kfc/build-history.json: each image's step durations from its last build, for the estimates of
 * the next one. Only a convenience: a missing, unreadable or corrupt file means "no estimate", and
 * a failed write costs the next estimate, never the build.
 */

const schema = z.object({
  version: z.literal(1),
  images: z.record(z.string(), z.object({ at: z.string(), steps: z.record(z.string(), z.number().nonnegative()) })),
});

export type BuildHistory = z.infer<typeof schema>;

export function historyFile(root: string): string {
  return join(root, '.kfc', 'build-history.json');
}

export function emptyHistory(): BuildHistory {
  return { version: 1, images: {} };
}

export function readHistory(file: string): BuildHistory {
  try {
    const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : emptyHistory();
  } catch {
    return emptyHistory();
  }
}

/** Stores one image's history; returns why it could not (the build goes on either way). */
export function saveImageHistory(
  file: string,
  history: BuildHistory,
  image: string,
  entry: ImageHistory,
): string | undefined {
  history.images[image] = entry;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic.sync(file, `${JSON.stringify(history, null, 1)}\n`);
    return undefined;
  } catch (e) {
    return `could not save build history ${file}: ${(e as Error).message}`;
  }
}
