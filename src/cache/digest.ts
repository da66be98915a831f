/** Content digests for cache keys: one sha256 over named parts, so a key says what it was made of. */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Transform } from 'node:stream';

/** sha256 (hex) of named parts, in the order given; a part's name is hashed with it, so parts never blur. */
export function digestParts(parts: Record<string, string>): string {
  const h = createHash('sha256');
  for (const [name, value] of Object.entries(parts)) h.update(`${name}\0${value.length}\0${value}\0`);
  return h.digest('hex');
}

/**
 * sha256 (hex) of files by their path (as given) and bytes; a missing file counts as "missing".
 * With `root`, relative paths are read from there (and hashed as given, so clones in other places agree).
 */
export function digestFiles(paths: string[], root?: string): string {
  const h = createHash('sha256');
  for (const p of [...paths].sort()) {
    let bytes: Buffer | string;
    try {
      bytes = readFileSync(root ? resolve(root, p) : p);
    } catch {
      bytes = 'missing';
    }
    h.update(`${p}\0${bytes.length}\0`);
    h.update(bytes);
  }
  return h.digest('hex');
}

/** A pass-through stream that hashes (sha256) and counts the bytes that flow through it. */
export function digestingStream(): { stream: Transform; bytes(): number; hex(): string } {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, bytes: () => bytes, hex: () => hash.digest('hex') };
}
