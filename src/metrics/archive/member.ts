/** What an archive member holds, decided from its first bytes: a layer (gzip or plain tar), JSON, or neither. */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { asBuffer, type Chunks, prepend, readAll } from './chunks.ts';
import { type LayerScan, scanLayerTar } from './layer-tar.ts';

/** Reads a member to its end: a layer (gzip or plain tar) is scanned, JSON parsed, anything else noted. */
export async function sniffMember(
  path: string,
  entry: Chunks,
): Promise<{ layer?: LayerScan; json?: unknown; note?: string }> {
  const it = entry[Symbol.asyncIterator]();
  let first: Buffer = Buffer.alloc(0);
  // Gather at least 512 bytes (one tar header) to decide.
  while (first.length < 512) {
    const r = await it.next();
    if (r.done) break;
    first = Buffer.concat([first, asBuffer(r.value)]);
  }
  const rest = prepend(first, it);
  if (first.length === 0) return { layer: await scanLayerTar((async function* () {})(), path) };
  if (first[0] === 0x1f && first[1] === 0x8b) {
    const gunzip = Readable.from(rest).pipe(createGunzip());
    return { layer: await scanLayerTar(gunzip, path) };
  }
  if (first[0] === 0x28 && first[1] === 0xb5 && first[2] === 0x2f && first[3] === 0xfd) {
    for await (const _ of rest) void _;
    return {
      note: `${path}: zstd-compressed layer not analysed (save with an engine that writes uncompressed layers)`,
    };
  }
  const head = first.subarray(0, 64).toString('utf8').trimStart();
  if (head.startsWith('{') || head.startsWith('[')) {
    const buf = await readAll(rest);
    try {
      return { json: JSON.parse(buf.toString('utf8')) };
    } catch {
      return { note: `${path}: not JSON nor a tar` };
    }
  }
  // Anything else is read as a tar (an empty layer is 1024 zero bytes: no magic to look for).
  try {
    return { layer: await scanLayerTar(rest, path) };
  } catch (e) {
    for await (const _ of rest) void _;
    return { note: `${path}: skipped, neither a layer tar nor JSON (${(e as Error).message})` };
  }
}
