/**
 * The layer compressions a cold-node run can push (`kfc node-pull --cold --compression gzip,zstd`), and the
 * engines that can pull them. Pure.
 */
import { KfcError } from '../errors.ts';
import { COMPRESSIONS, type LayerCompression } from '../report/cold-figures.ts';

/** zstd layers: the default, it wins on this machine's cold nodes (docs/cold-node.md). */
export const DEFAULT_COMPRESSIONS: readonly LayerCompression[] = ['zstd'];

/** `--compression`'s value: one or both, comma-separated, each once. */
export function parseCompressions(value: string): LayerCompression[] {
  const given = value.split(',').map((s) => s.trim());
  const unknown = given.filter((c) => !(COMPRESSIONS as readonly string[]).includes(c));
  if (unknown.length || given.length === 0 || new Set(given).size !== given.length)
    throw new KfcError(`--compression ${JSON.stringify(value)}: ${unknown.length ? 'unknown' : 'repeated or empty'}`, {
      hint: 'gzip, zstd, or gzip,zstd (both, one after the other)',
    });
  return given as LayerCompression[];
}

/** Docker pulls zstd layers from 23.0 on (moby v23.0.0 release notes); 20.10 fails at the layer's tar header. */
export function pullsZstd(serverVersion: string): boolean {
  const major = Number(/^(\d+)\./.exec(serverVersion)?.[1]);
  return Number.isFinite(major) && major >= 23;
}
